package io.roomwire.hal;

public enum MediaKind { AUDIO, VIDEO }
