/**
 * The XenStore wire protocol ({@code xen/io/xs_wire.h}; Xen's docs/misc/xenstore.txt): message
 * types ({@link org.jxen.xenstore.wire.XsOp}), the error strings of the {@code xsd_errors} table
 * ({@link org.jxen.xenstore.wire.XsError}), packets and an incremental decoder.
 */
package org.jxen.xenstore.wire;
