import ssh2 from 'ssh2';
import type { AnyAuthMethod } from 'ssh2';
import { InvalidPrivateKeyError } from './ssh-errors.js';
import type { SshAuth } from './ssh-host-spec.js';

/**
 * The ssh2 authentication attempts for one credential, and nothing else: ssh2's default order would
 * also offer `none` and whatever else is configured, which muddles what "authentication failed" means.
 * A password is offered as `password` and then as `keyboard-interactive`, because hosts that sign in
 * through PAM often only accept the latter.
 */
export function sshAuthMethods(username: string, auth: SshAuth, target: string): AnyAuthMethod[] {
  switch (auth.kind) {
    case 'password':
      return [
        { type: 'password', username, password: auth.password },
        {
          type: 'keyboard-interactive',
          username,
          prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => auth.password)),
        },
      ];
    case 'key': {
      // Parse here so a wrong passphrase is reported as such instead of as a refused sign-in.
      const parsed = ssh2.utils.parseKey(auth.privateKey, auth.passphrase);
      if (parsed instanceof Error) {
        throw new InvalidPrivateKeyError(
          target,
          `The private key for ${target} cannot be used: ${parsed.message}. ` +
            'Check the key file and its passphrase (OpenSSH or PEM format).',
        );
      }
      return [{ type: 'publickey', username, key: parsed }];
    }
    case 'agent':
      return [{ type: 'agent', username, agent: auth.socket }];
  }
}
