/** DTMF as RFC 4733 telephone-events: {@link io.roomwire.sip.dtmf.Rfc4733} encodes key presses and decodes events. */
package io.roomwire.sip.dtmf;
