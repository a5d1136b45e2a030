/**
 * {@code jxen-run}: one VM in the foreground with its console on the terminal, no daemon
 * (as {@code qemu-system-x86_64 -kernel} or Firecracker's {@code --no-api}), for debugging,
 * tests and benchmarks.
 */
package org.jxen.cli.run;
