package io.roomwire.hal.sim;

/** Reads the picture size from an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1, §7.4.2.1.1). */
final class H264Sps {

    private H264Sps() {
    }

    /**
     * The cropped picture size of the SPS NAL unit in {@code p[off, end)} (header byte included), as
     * {width, height}, or null when it is cut short or not an SPS.
     */
    static int[] pictureSize(byte[] p, int off, int end) {
        if (end - off < 4 || (p[off] & 0x1f) != 7) {
            return null;
        }
        try {
            Bits r = new Bits(unescape(p, off + 1, end));
            int profile = r.u(8);
            r.u(16); // constraint flags, level_idc
            r.ue(); // seq_parameter_set_id
            int chroma = 1;
            if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 || profile == 83
                    || profile == 86 || profile == 118 || profile == 128 || profile == 138 || profile == 139
                    || profile == 134 || profile == 135) {
                chroma = r.ue();
                if (chroma == 3) {
                    r.u(1); // separate_colour_plane_flag
                }
                r.ue(); // bit_depth_luma_minus8
                r.ue(); // bit_depth_chroma_minus8
                r.u(1); // qpprime_y_zero_transform_bypass_flag
                if (r.u(1) == 1) { // seq_scaling_matrix_present_flag
                    for (int i = 0; i < (chroma != 3 ? 8 : 12); i++) {
                        if (r.u(1) == 1) {
                            skipScalingList(r, i < 6 ? 16 : 64);
                        }
                    }
                }
            }
            r.ue(); // log2_max_frame_num_minus4
            int pocType = r.ue();
            if (pocType == 0) {
                r.ue();
            } else if (pocType == 1) {
                r.u(1);
                r.ue();
                r.ue();
                int n = r.ue();
                for (int i = 0; i < n; i++) {
                    r.ue();
                }
            }
            r.ue(); // max_num_ref_frames
            r.u(1); // gaps_in_frame_num_value_allowed_flag
            int widthMbs = r.ue() + 1;
            int heightMapUnits = r.ue() + 1;
            int frameMbsOnly = r.u(1);
            if (frameMbsOnly == 0) {
                r.u(1); // mb_adaptive_frame_field_flag
            }
            r.u(1); // direct_8x8_inference_flag
            int left = 0;
            int right = 0;
            int top = 0;
            int bottom = 0;
            if (r.u(1) == 1) {
                left = r.ue();
                right = r.ue();
                top = r.ue();
                bottom = r.ue();
            }
            // Table 6-1 and equations 7-19 to 7-22: crop units by chroma format
            int cropX = chroma == 1 || chroma == 2 ? 2 : 1;
            int cropY = (chroma == 1 ? 2 : 1) * (2 - frameMbsOnly);
            int w = widthMbs * 16 - cropX * (left + right);
            int h = (2 - frameMbsOnly) * heightMapUnits * 16 - cropY * (top + bottom);
            return w > 0 && h > 0 ? new int[] {w, h} : null;
        } catch (ArrayIndexOutOfBoundsException e) {
            return null; // a truncated SPS
        }
    }

    private static void skipScalingList(Bits r, int size) {
        int last = 8;
        int next = 8;
        for (int j = 0; j < size; j++) {
            if (next != 0) {
                next = (last + r.se() + 256) % 256;
            }
            last = next == 0 ? last : next;
        }
    }

    /** Drops emulation prevention bytes (00 00 03 -> 00 00, §7.4.1). */
    static byte[] unescape(byte[] p, int off, int end) {
        byte[] out = new byte[end - off];
        int n = 0;
        int zeros = 0;
        for (int i = off; i < end; i++) {
            if (zeros >= 2 && p[i] == 3) {
                zeros = 0;
                continue;
            }
            zeros = p[i] == 0 ? zeros + 1 : 0;
            out[n++] = p[i];
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** An MSB-first bit reader with Exp-Golomb codes (§9.1). */
    private static final class Bits {
        private final byte[] b;
        private int bit;

        Bits(byte[] b) {
            this.b = b;
        }

        int u(int n) {
            int v = 0;
            for (int i = 0; i < n; i++, bit++) {
                v = (v << 1) | ((b[bit >> 3] >> (7 - (bit & 7))) & 1);
            }
            return v;
        }

        int ue() {
            int zeros = 0;
            while (u(1) == 0) {
                if (++zeros > 31) {
                    throw new ArrayIndexOutOfBoundsException("Exp-Golomb code too long");
                }
            }
            return (int) ((1L << zeros) - 1 + u(zeros));
        }

        int se() {
            int k = ue();
            return (k & 1) == 1 ? (k + 1) / 2 : -(k / 2);
        }
    }
}
