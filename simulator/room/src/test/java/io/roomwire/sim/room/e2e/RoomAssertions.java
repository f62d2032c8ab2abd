package io.roomwire.sim.room.e2e;

import io.roomwire.hal.Screen;

/** Then: assertions in the room's language, e.g. {@code assertThat(room.panel()).showsJoinButtonFor(meeting)}. */
public final class RoomAssertions {

    private RoomAssertions() {
    }

    public static PanelAssert assertThat(Room.Panel panel) {
        return new PanelAssert(panel);
    }

    /** What the touch panel shows. */
    public static final class PanelAssert {
        private final Room.Panel panel;

        PanelAssert(Room.Panel panel) {
            this.panel = panel;
        }

        public PanelAssert showsJoinButtonFor(Meeting meeting) {
            if (panel.joinButton(meeting).filter(b -> b.label().startsWith("Join")).isEmpty()) {
                throw new AssertionError("no Join button for '" + meeting.subject() + "' on the panel:\n" + panel.view());
            }
            return this;
        }

        public PanelAssert shows(String kind) {
            String shown = panel.current().map(Screen::kind).orElse("(nothing)");
            if (!shown.equals(kind)) {
                throw new AssertionError("the panel shows " + shown + ", expected " + kind + ":\n" + panel.view());
            }
            return this;
        }

        public PanelAssert showsCallWith(String remoteLinePart) {
            shows("call");
            Screen s = panel.current().orElseThrow();
            if (!String.join(" ", s.lines()).contains(remoteLinePart)) {
                throw new AssertionError("the call screen does not mention " + remoteLinePart + ": " + s);
            }
            return this;
        }
    }
}
