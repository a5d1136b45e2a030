/** Small helpers shared by the VMM's packages. */
package org.jxen.vmm.util;
