/** A XenStore client over the Unix socket, for the toolstack, tests and benchmarks. */
package org.jxen.xenstore.client;
