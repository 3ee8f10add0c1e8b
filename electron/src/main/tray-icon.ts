// The tray and window icon as a data URL (a white server stack on Fluent blue), so the app needs no
// image files of its own at run time.
export const TRAY_ICON_DATA_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAAgElEQVR42u2X0QnAIAxE3aAO6ghdrbNdFxAbm1xzFoX3p/AghlzK0a6SyewDGAkVgBOXAIJ4JYBgpgRAwiQAMkMBfERXoHvZe54kwgXqWdcUQEIJYBJgf0Z9gfQSED/hTwV2FyzbBXsWSIzj9EAiEckkQqlELJdYTCRWM4nllMoN+ZkHHjyglGgAAAAASUVORK5CYII=';
