package io.roomwire.sim.room;

import io.roomwire.agent.AgentStatus;
import io.roomwire.hal.PanelButton;
import io.roomwire.hal.Screen;
import java.util.Optional;

/** Draws the simulated room in a terminal: the touch panel's screen, then the agent's state. */
public final class RoomView {

    private static final int WIDTH = 76;

    private RoomView() {
    }

    public static String render(AgentStatus status, Optional<Screen> screen, Optional<String> banner) {
        StringBuilder sb = new StringBuilder();
        sb.append('+').append("-".repeat(WIDTH)).append("+  touch panel\n");
        banner.ifPresent(b -> line(sb, "!! " + b));
        if (screen.isEmpty()) {
            line(sb, "(nothing shown yet)");
        } else {
            Screen s = screen.get();
            line(sb, s.title());
            line(sb, "");
            s.lines().forEach(l -> line(sb, l));
            for (PanelButton b : s.buttons()) {
                line(sb, "[ " + b.label() + " ]  " + b.detail());
            }
            String qr = s.data().get("qr");
            if (qr != null) {
                qrLines(qr).forEach(l -> line(sb, l));
            }
        }
        sb.append('+').append("-".repeat(WIDTH)).append("+\n");
        sb.append(status.render(status.services()));
        return sb.toString();
    }

    /** A QR matrix ('1'/'0' rows) drawn with half blocks: two matrix rows per text line. */
    static java.util.List<String> qrLines(String matrix) {
        String[] rows = matrix.split("\n");
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int y = 0; y < rows.length; y += 2) {
            StringBuilder l = new StringBuilder();
            for (int x = 0; x < rows[y].length(); x++) {
                boolean top = rows[y].charAt(x) == '1';
                boolean bottom = y + 1 < rows.length && rows[y + 1].charAt(x) == '1';
                l.append(top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ');
            }
            out.add(l.toString());
        }
        return out;
    }

    private static void line(StringBuilder sb, String text) {
        String t = text.length() > WIDTH - 2 ? text.substring(0, WIDTH - 5) + "..." : text;
        sb.append("| ").append(t).append(" ".repeat(Math.max(0, WIDTH - 2 - t.length()))).append(" |\n");
    }
}
