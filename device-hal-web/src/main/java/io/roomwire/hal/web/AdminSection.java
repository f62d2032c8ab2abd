package io.roomwire.hal.web;

import java.util.List;
import java.util.Objects;

/**
 * One part of the web panel's admin page ("Device", "Network", "Services", "Peripherals"): rows of
 * name, value and an optional state ({@code ok}, {@code warning}, {@code failed}, or empty).
 */
public record AdminSection(String title, List<Row> rows) {

    public AdminSection {
        Objects.requireNonNull(title, "title");
        rows = List.copyOf(rows);
    }

    public record Row(String name, String value, String state) {
        public Row {
            Objects.requireNonNull(name, "name");
            value = value == null ? "" : value;
            state = state == null ? "" : state;
        }

        public static Row of(String name, String value) {
            return new Row(name, value, "");
        }
    }
}
