/** The app's one toaster, where action outcomes are reported. */
export const TOASTER_ID = 'console-toaster';
