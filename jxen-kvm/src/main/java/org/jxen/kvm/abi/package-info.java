/**
 * Numbers and struct layouts from {@code linux/kvm.h} and {@code asm/kvm.h} (x86). Every
 * layout is checked field by field against the installed headers by an {@code offsetof} probe
 * built with gcc in the tests ({@code KvmLayoutsTest}).
 */
package org.jxen.kvm.abi;
