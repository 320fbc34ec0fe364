/**
 * The client-side caching state of one connection with CLIENT TRACKING on (Redis's CLIENT_TRACKING_*
 * flags, client_tracking_redirection and client_tracking_prefixes). It lives on the connection's
 * own worker; other workers know only what they need to remember keys for it (see Tracking).
 */
export class ClientTracking {
  /** Client id that receives the invalidations (0: this connection, RESP3 pushes only). */
  redirect = 0;
  /** Worker the redirection client is connected to (found when tracking is enabled). */
  redirectWorker = -1;
  bcast = false;
  optin = false;
  optout = false;
  noloop = false;
  /** CLIENT CACHING YES (OPTIN) or NO (OPTOUT) given for the next command. */
  caching = false;
  /** The command the CACHING flag applies to has been dispatched: the flag goes before the next one. */
  cachingUsed = false;
  /** The redirection client was gone when an invalidation was due (flag R, broken_redirect). */
  brokenRedirect = false;
  /** BCAST prefixes, in the order given ("" when BCAST was enabled without any). */
  readonly prefixes: string[] = [];

  /**
   * The options other workers need to decide whether a read by this client is remembered:
   * "off" when no key is remembered (BCAST), else any of optin, optout, caching joined by commas.
   */
  readerMode(): string {
    if (this.bcast) return 'off';
    const parts: string[] = ['on'];
    if (this.optin) parts.push('optin');
    if (this.optout) parts.push('optout');
    if (this.caching) parts.push('caching');
    return parts.join(',');
  }

  /** CLIENT TRACKINGINFO's flags, in Redis's order. */
  infoFlags(): string[] {
    const flags = ['on'];
    if (this.bcast) flags.push('bcast');
    if (this.optin) {
      flags.push('optin');
      if (this.caching) flags.push('caching-yes');
    }
    if (this.optout) {
      flags.push('optout');
      if (this.caching) flags.push('caching-no');
    }
    if (this.noloop) flags.push('noloop');
    if (this.brokenRedirect) flags.push('broken_redirect');
    return flags;
  }
}
