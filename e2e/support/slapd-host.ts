import {
  SLAPD_SERVICE,
  SLAPD_SUFFIX,
  SlapdHost,
  slapdGroupDn,
  slapdPassword,
} from '@flotilla/server-node/test-support/slapd-host';

// The real OpenLDAP test server lives with the server node's tests; the journey uses the same one.
export { SLAPD_SERVICE, SLAPD_SUFFIX, SlapdHost, slapdGroupDn, slapdPassword };
