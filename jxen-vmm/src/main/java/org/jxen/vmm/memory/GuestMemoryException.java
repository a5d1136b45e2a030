package org.jxen.vmm.memory;

/**
 * A guest-supplied address range does not lie in guest RAM. Devices catch it and fail only
 * the request that carried the range.
 */
public final class GuestMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long address;
    private final long length;

    public GuestMemoryException(long address, long length) {
        super(String.format("guest range [0x%x, +0x%x) is not in guest RAM", address, length));
        this.address = address;
        this.length = length;
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }
}
