/**
 * {@code jxend}, the one daemon per host: its paths (with environment overrides), the embedded
 * XenStore, the control API and the socket the native {@code xl} launcher talks to.
 */
package org.jxen.toolstack.daemon;
