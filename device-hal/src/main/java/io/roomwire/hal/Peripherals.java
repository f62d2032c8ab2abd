package io.roomwire.hal;

import java.util.List;

/** Health of each part of the room. */
public interface Peripherals {
    List<PeripheralStatus> status();
}
