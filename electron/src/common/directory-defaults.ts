// What the console's directory settings form offers, from the server's own definitions.
export { DIRECTORY_USER_FILTERS, ROLES } from '@flotilla/server-node/api';
