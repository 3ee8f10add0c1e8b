import { useMutation } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';

/** Fetches the support bundle and hands it to the browser (or Electron) to save. */
export function useDownloadSupportBundle() {
  return useMutation({
    mutationFn: async () => {
      const file = await consoleApi().clusters.getSupportBundle();
      const bytes = Uint8Array.from(atob(file.base64), (char) => char.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: 'application/zip' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      return file.fileName;
    },
  });
}
