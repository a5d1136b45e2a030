/**
 * The daemon side: connections (over the Unix socket, or standing for a domain), the op
 * dispatch table with Xen's PRIV/NOTID flags ({@link org.jxen.xenstore.server.XenstoreServer}),
 * domain introduction, and {@code jxen-xenstored} itself.
 */
package org.jxen.xenstore.server;
