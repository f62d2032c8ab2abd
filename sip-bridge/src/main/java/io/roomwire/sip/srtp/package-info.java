/**
 * SRTP and SRTCP (RFC 3711) with SDES keys (RFC 4568): {@link io.roomwire.sip.srtp.SrtpSuite} names
 * the two suites we offer, {@link io.roomwire.sip.srtp.SrtpKeys} carries a direction's master key
 * and salt (and converts to and from the {@code inline:} key parameter), and
 * {@link io.roomwire.sip.srtp.SrtpContext} protects or unprotects one direction's packets. Built on
 * the JDK's AES and HmacSHA1; checked against RFC 3711 Appendix B and libsrtp's reference packets,
 * and against the independent BouncyCastle implementation in the gateway simulator.
 */
package io.roomwire.sip.srtp;
