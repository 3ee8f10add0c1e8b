import { Menu, type MenuItemConstructorOptions } from 'electron';

/** The window menu: what a Windows admin expects in File / View / Help. */
export function buildAppMenu(actions: {
  startSandbox: () => void;
  quit: () => void;
  about: () => void;
}): Menu {
  const template: MenuItemConstructorOptions[] = [
    {
      label: '&File',
      submenu: [
        { label: 'Start a local sandbox cluster', click: actions.startSandbox },
        { type: 'separator' },
        { label: 'E&xit', accelerator: 'CmdOrCtrl+Q', click: actions.quit },
      ],
    },
    {
      label: '&View',
      submenu: [
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { label: '&Help', submenu: [{ label: 'About Flotilla Console', click: actions.about }] },
  ];
  return Menu.buildFromTemplate(template);
}
