/**
 * The media of a call: {@link io.roomwire.sip.media.MediaRelay} moves RTP between the codec's local
 * ports and the far end, adding and removing SRTP, sending RFC 4733 DTMF, reporting with RTCP and
 * raising a no-media alarm; {@link io.roomwire.sip.media.StreamStats} is a stream's counters.
 */
package io.roomwire.sip.media;
