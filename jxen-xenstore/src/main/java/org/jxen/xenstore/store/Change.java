package org.jxen.xenstore.store;

/**
 * A change that fires watches: the path modified, whether it was a (recursive) removal, and
 * the node as it was before a removal or after any other change (for the watchers' read
 * permission).
 */
public record Change(String path, boolean removal, Node node) {}
