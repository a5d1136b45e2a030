/**
 * FFM downcalls to libc and Linux (man 2, linux/*.h): file descriptors, ioctl with errno
 * capture, mmap, memfd, eventfd, file copies that bypass the Java heap (sendfile, pread, the
 * data and holes of sparse files), signals for kicking threads, terminals.
 *
 * <p>Everything restricted ({@code Linker.downcallHandle}, {@code MemorySegment.reinterpret})
 * happens inside this package, so the rest of jxen runs without native access.
 */
package org.jxen.sys;
