/**
 * The store itself, pure and single-threaded (the server calls it under one lock): nodes with
 * values, children and permissions ({@link org.jxen.xenstore.store.Perms}), transactions that
 * detect conflicts by generation count ({@link org.jxen.xenstore.store.Transaction}), quotas
 * ({@link org.jxen.xenstore.store.Quota}), watch matching
 * ({@link org.jxen.xenstore.store.Watches}) and CONTROL check's consistency checks and repairs
 * ({@link org.jxen.xenstore.store.StoreCheck}).
 * Semantics follow Xen's docs/misc/xenstore.txt and the XenBus permission rules.
 */
package org.jxen.xenstore.store;
