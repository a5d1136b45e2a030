/** ioctl request number encoding, as {@code asm-generic/ioctl.h} defines it for x86. */
package org.jxen.sys.ioc;
