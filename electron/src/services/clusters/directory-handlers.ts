import type { DomainHandlers } from '../../common/contract.js';
import { INVOKE } from '../../common/contract.js';
import type { ConsoleContext } from './console-context.js';

/** The active cluster's directory sign-in settings: the cluster checks the role and every field. */
export function directoryHandlers({ session }: ConsoleContext): DomainHandlers<'directory'> {
  return {
    [INVOKE.directory.getSettings]: () => session.act(({ api }) => api.getDirectorySettings(), false),
    [INVOKE.directory.setSettings]: (settings) =>
      session.act(({ api }) => api.setDirectorySettings(settings), false),
    [INVOKE.directory.test]: (input) => session.act(({ api }) => api.testDirectorySettings(input), false),
  };
}
