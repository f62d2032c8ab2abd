package io.roomwire.sim.room.e2e;

/** A meeting booked into the room's simulated calendar: its subject (on the Join button) and its video id. */
public record Meeting(String subject, String videoId) { }
