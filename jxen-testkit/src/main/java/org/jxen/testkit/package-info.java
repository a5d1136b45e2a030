/**
 * Test support for every jxen module: host assumptions ({@link org.jxen.testkit.HostAssume}),
 * C probes for ABI checks ({@link org.jxen.testkit.CProbe}), jxen's test guests and their result
 * protocol ({@link org.jxen.testkit.TestGuests}, {@link org.jxen.testkit.GuestResults}). No product
 * module depends on it, and it depends on no product module, so any module's tests can use it.
 */
package org.jxen.testkit;
