package io.roomwire.sim.cloud.graph;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Invitation bodies (HTML, as a room mailbox stores them) for every meeting provider the agent
 * recognises: Teams with the video-conferencing-device (CVI) section in each wording for Cisco,
 * Poly, Pexip and a generic provider; Webex; Zoom; a Pexip virtual meeting room; plain SIP; and
 * SafeLinks-wrapped variants. Written for Roomwire from the public descriptions of each format
 * (layout, labels and dial strings), not copied from real invitations. Deterministic.
 */
public final class InvitationBodies {

    /** The CVI operator whose section Teams adds to the invitation. */
    public enum Provider {
        CISCO("m.webex.com"), POLY("t.plcm.vc"), PEXIP("vc.contoso.example"), GENERIC("video.contoso.example");

        private final String defaultDomain;

        Provider(String defaultDomain) {
            this.defaultDomain = defaultDomain;
        }

        public String defaultDomain() {
            return defaultDomain;
        }
    }

    /** How the section is worded (Teams changed it over the years; all are in circulation). */
    public enum Wording {
        /** "Join with a video conferencing device", address, "Video Conference ID:", "Alternate VTC instructions". */
        JOIN_WITH,
        /** "Join on a video conferencing device", "Tenant key:", "Video ID:", "More info". */
        JOIN_ON_TENANT_KEY,
        /** Everything on one line, as some clients flatten it: "... device: addr Video Conference ID: n". */
        ONE_LINE
    }

    private static final String FONT = "font-family:'Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif";
    private static final String RULE = "<div style=\"width:100%\"><span style=\"white-space:nowrap;color:#5F5F5F;"
            + "opacity:.36\">" + "_".repeat(80) + "</span></div>\n";

    private InvitationBodies() {
    }

    /** The tenant key address: {@code tenantKey} as is when it has an '@', else at the provider's domain. */
    public static String tenantAddress(Provider p, String tenantKey) {
        return tenantKey.contains("@") ? tenantKey : tenantKey + "@" + p.defaultDomain();
    }

    /** A realistic Teams join URL, derived from {@code seed} (same seed, same URL). */
    public static String teamsJoinUrl(String seed) {
        UUID thread = UUID.nameUUIDFromBytes(("thread:" + seed).getBytes(StandardCharsets.UTF_8));
        UUID tid = UUID.nameUUIDFromBytes(("tenant:" + seed).getBytes(StandardCharsets.UTF_8));
        UUID oid = UUID.nameUUIDFromBytes(("organizer:" + seed).getBytes(StandardCharsets.UTF_8));
        String t = thread.toString().replace("-", "");
        return "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" + t.substring(0, 16).toUpperCase(Locale.ROOT)
                + t.substring(16) + "%40thread.v2/0?context=%7b%22Tid%22%3a%22" + tid
                + "%22%2c%22Oid%22%3a%22" + oid + "%22%7d";
    }

    /** A Teams invitation without a video-device section. */
    public static String teams(String joinUrl) {
        return html(teamsBlock(joinUrl, ""));
    }

    /**
     * A Teams invitation with the video-conferencing-device section of {@code p} in wording {@code w}.
     *
     * @param tenantKey the tenant key ("contoso" for Cisco, "823979477" for Poly) or a full address
     *                  ("teams@vc.contoso.example" for Pexip)
     * @param videoId   the Video (Conference) ID, digits only
     */
    public static String teamsCvi(Provider p, Wording w, String tenantKey, String videoId, String joinUrl) {
        String address = tenantAddress(p, tenantKey);
        String domain = address.substring(address.indexOf('@') + 1);
        String key = address.substring(0, address.indexOf('@'));
        String spaced = spaced(videoId);
        String alt = switch (p) {
            case CISCO -> "https://www.webex.com/msteams?confid=" + videoId + "&tenantkey=" + key + "&domain=" + domain;
            case POLY -> "https://dialin.plcm.vc/teams/?key=" + key + "&conf=" + videoId;
            case PEXIP -> "https://pexip.me/teams/" + domain + "/" + videoId;
            case GENERIC -> "https://" + domain + "/teams/instructions?conf=" + videoId;
        };
        String span = "<span style=\"font-size:14px;color:#252424\">";
        String section = switch (w) {
            case JOIN_WITH -> "<div style=\"margin-bottom:4px;margin-top:4px\">" + span
                    + "<b>Join with a video conferencing device</b></span></div>\n"
                    + "<div style=\"font-size:14px;margin-bottom:4px\">" + span + escape(address) + "</span></div>\n"
                    + "<div style=\"font-size:14px;margin-bottom:4px\">" + span + "Video Conference ID: " + spaced
                    + "</span></div>\n"
                    + "<div style=\"font-size:14px;margin-bottom:20px\"><a href=\"" + escape(alt)
                    + "\" target=\"_blank\" rel=\"noreferrer noopener\" style=\"font-size:14px;"
                    + "text-decoration:underline;color:#6264a7\">Alternate VTC instructions</a></div>\n";
            case JOIN_ON_TENANT_KEY -> "<div style=\"margin-bottom:4px;margin-top:4px\">" + span
                    + "<b>Join on a video conferencing device</b></span></div>\n"
                    + "<div style=\"font-size:14px;margin-bottom:4px\">" + span + "Tenant key: </span>"
                    + "<span style=\"font-size:16px;color:#252424\">" + escape(address) + "</span></div>\n"
                    + "<div style=\"font-size:14px;margin-bottom:4px\">" + span + "Video ID: </span>"
                    + "<span style=\"font-size:16px;color:#252424\">" + spaced + "</span></div>\n"
                    + "<div style=\"font-size:14px;margin-bottom:20px\"><a href=\"" + escape(alt)
                    + "\" target=\"_blank\" rel=\"noreferrer noopener\" style=\"font-size:14px;"
                    + "text-decoration:underline;color:#6264a7\">More info</a></div>\n";
            case ONE_LINE -> "<p style=\"font-size:14px\">Join with a video conferencing device:&nbsp;"
                    + escape(address) + "&nbsp;&nbsp;Video&#32;Conference&#x20;ID:&nbsp;" + spaced
                    + "&nbsp;&nbsp;<a href=\"" + escape(alt) + "\">Alternate VTC instructions</a></p>\n";
        };
        return html(teamsBlock(joinUrl, section));
    }

    /** A Webex meeting invitation: join link, meeting number and the video-system address. */
    public static String webex(String site, String meetingNumber) {
        String host = site + ".webex.com";
        String mtid = "m" + UUID.nameUUIDFromBytes(meetingNumber.getBytes(StandardCharsets.UTF_8)).toString()
                .replace("-", "");
        String link = "https://" + host + "/" + site + "/j.php?MTID=" + mtid;
        String body = "<p style=\"" + FONT + "\">Hello,</p>\n"
                + "<p>Adele Vance is inviting you to a scheduled Webex meeting.</p>\n"
                + "<table cellpadding=\"0\" cellspacing=\"0\" style=\"" + FONT + "\">\n"
                + "<tr><td colspan=\"2\"><a href=\"" + escape(link) + "\" style=\"background-color:#00823B;"
                + "color:#FFFFFF;padding:10px 20px\">Join meeting</a></td></tr>\n"
                + "<tr><td><b>Meeting number (access code):</b></td><td>" + spaced4(meetingNumber) + "</td></tr>\n"
                + "<tr><td><b>Meeting password:</b></td><td>xW7pQ2 (99712 from phones and video systems)</td></tr>\n"
                + "</table>\n"
                + "<p><b>Join by video system</b><br>Dial " + meetingNumber + "@" + host + "<br>"
                + "You can also dial 173.243.2.68 and enter your meeting number.</p>\n"
                + "<p><b>Join by phone</b><br>+1-415-655-0001 US Toll<br>Access code: " + spaced4(meetingNumber)
                + "</p>\n"
                + "<p style=\"font-size:11px\">If you are a host, <a href=\"https://" + host + "/" + site
                + "/j.php?MTID=" + mtid + "&amp;host=1\">start the meeting</a>.</p>\n";
        return html(body);
    }

    /** A Webex personal room invitation ({@code https://site.webex.com/meet/user}). */
    public static String webexPersonalRoom(String site, String user) {
        String link = "https://" + site + ".webex.com/meet/" + user;
        return html("<p>Join my Webex personal room:</p>\n<p><a href=\"" + escape(link) + "\">" + escape(link)
                + "</a></p>\n<p>Join by video system: " + user + "@" + site + ".webex.com</p>\n");
    }

    /**
     * A Zoom invitation as Outlook stores it (pre-wrapped text in HTML).
     *
     * @param passcode numeric passcodes go into the SIP address; others are typed at the prompt
     */
    public static String zoom(String meetingId, String passcode) {
        String pwd = UUID.nameUUIDFromBytes(("pwd:" + meetingId).getBytes(StandardCharsets.UTF_8)).toString()
                .replace("-", "").substring(0, 22);
        String link = "https://us02web.zoom.us/j/" + meetingId + "?pwd=" + pwd;
        String id = meetingId.length() == 11 ? meetingId.substring(0, 3) + " " + meetingId.substring(3, 7) + " "
                + meetingId.substring(7) : spaced(meetingId);
        String text = "Adele Vance is inviting you to a scheduled Zoom meeting.<br>\n<br>\n"
                + "Join Zoom Meeting<br>\n<a href=\"" + escape(link) + "\">" + escape(link) + "</a><br>\n<br>\n"
                + "Meeting ID: " + id + "<br>\nPasscode: " + escape(passcode) + "<br>\n<br>\n---<br>\n"
                + "One tap mobile<br>\n+16699006833,," + meetingId + "#,,,,*" + escape(passcode) + "# US (San Jose)<br>\n"
                + "---<br>\nJoin by SIP<br>\n&#8226; " + meetingId + "@zoomcrc.com<br>\n<br>\n"
                + "Join by H.323<br>\n&#8226; 162.255.37.11 (US West)<br>\n&#8226; 162.255.36.11 (US East)<br>\n"
                + "Meeting ID: " + id + "<br>\nPasscode: " + escape(passcode) + "<br>\n";
        return html("<div style=\"" + FONT + "\">" + text + "</div>\n");
    }

    /** A Pexip virtual meeting room invitation (not Teams): web app link and the room's SIP URI. */
    public static String pexip(String alias, String domain) {
        String uri = alias + "@" + domain;
        return html("<p>Join my Pexip meeting room</p>\n"
                + "<p>From a browser: <a href=\"https://" + domain + "/webapp/#/?conference=" + escape(uri)
                + "\">https://" + domain + "/webapp/</a></p>\n"
                + "<p>From a video system: <a href=\"sip:" + escape(uri) + "\">" + escape(uri) + "</a></p>\n");
    }

    /** A meeting with nothing but a SIP URI (a VMR on some other platform). */
    public static String sip(String uri) {
        return html("<p>Dial in from your video system:</p>\n<p>" + escape(uri) + "</p>\n");
    }

    /**
     * The same body as Defender for Office 365 rewrites it: every http(s) href wrapped in
     * {@code https://<region>.safelinks.protection.outlook.com/?url=...&data=...&reserved=0}.
     */
    public static String safeLinks(String html, String region) {
        Matcher m = Pattern.compile("href=\"(https?://[^\"]+)\"").matcher(html);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String original = unescape(m.group(1));
            String wrapped = "https://" + region + ".safelinks.protection.outlook.com/?url="
                    + URLEncoder.encode(original, StandardCharsets.UTF_8)
                    + "&data=05%7C02%7Croom%40contoso.example%7C0f3c%7C72f988bf86f141af91ab2d7cd011db47%7C1%7C0"
                    + "&sdata=Jq2%2B7bEw0Zb0nV3Q%3D&reserved=0";
            m.appendReplacement(out, Matcher.quoteReplacement("href=\"" + escape(wrapped) + "\""));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String teamsBlock(String joinUrl, String cviSection) {
        String span = "<span style=\"font-size:14px;color:#252424\">";
        return "<div><br></div>\n" + RULE
                + "<div class=\"me-email-text\" lang=\"en-US\" style=\"color:#252424;" + FONT + "\">\n"
                + "<div style=\"margin-top:24px;margin-bottom:20px\"><span style=\"font-size:24px;color:#252424\">"
                + "Microsoft Teams meeting</span></div>\n"
                + "<div style=\"margin-bottom:20px\"><div style=\"margin-top:0px;margin-bottom:0px;font-weight:bold\">"
                + span + "Join on your computer, mobile app or room device</span></div>\n"
                + "<a class=\"me-email-headline\" href=\"" + escape(joinUrl) + "\" target=\"_blank\" "
                + "rel=\"noreferrer noopener\" style=\"font-size:14px;text-decoration:underline;color:#6264a7\">"
                + "Click here to join the meeting</a></div>\n"
                + "<div style=\"margin-bottom:20px;margin-top:20px\">" + span
                + "Meeting ID: <span style=\"font-size:16px;color:#252424\">345 678 901 234</span><br>\n"
                + "Passcode: <span style=\"font-size:16px;color:#252424\">bT4nQ9</span></span></div>\n"
                + "<div style=\"margin-bottom:24px;margin-top:20px\"><a class=\"me-email-link\" "
                + "href=\"https://www.microsoft.com/en-us/microsoft-teams/download-app\" target=\"_blank\" "
                + "rel=\"noreferrer noopener\" style=\"font-size:14px;color:#6264a7\">Download Teams</a> | "
                + "<a class=\"me-email-link\" href=\"https://www.microsoft.com/microsoft-teams/join-a-meeting\" "
                + "target=\"_blank\" rel=\"noreferrer noopener\" style=\"font-size:14px;color:#6264a7\">Join on the "
                + "web</a></div>\n"
                + "<div style=\"margin-bottom:4px\">" + span + "<b>Or call in (audio only)</b></span></div>\n"
                + "<div style=\"margin-bottom:4px\"><a class=\"me-email-link\" href=\"tel:+14255550100,,123456789#\" "
                + "style=\"font-size:14px;color:#6264a7\">+1 425-555-0100,,123456789#</a> " + span
                + "United States, Redmond</span></div>\n"
                + "<div style=\"margin-bottom:20px\">" + span + "Phone conference ID: 123 456 789#</span></div>\n"
                + cviSection
                + "<div style=\"margin-top:20px;margin-bottom:20px\"><a class=\"me-email-link\" "
                + "href=\"https://aka.ms/JoinTeamsMeeting\" style=\"font-size:14px;color:#6264a7\">Learn More</a> | "
                + "<a class=\"me-email-link\" href=\"https://teams.microsoft.com/meetingOptions/?organizerId="
                + "4f0b5c1e-2f4a-4b7e-9d1c-0a1b2c3d4e5f&amp;tenantId=72f988bf-86f1-41af-91ab-2d7cd011db47\" "
                + "style=\"font-size:14px;color:#6264a7\">Meeting options</a></div>\n"
                + "</div>\n<div style=\"font-size:14px;margin-bottom:4px\">&nbsp;</div>\n" + RULE;
    }

    private static String html(String inner) {
        return "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n"
                + "<style type=\"text/css\" style=\"display:none;\"> P {margin-top:0;margin-bottom:0;} </style>\n"
                + "</head>\n<body dir=\"ltr\">\n" + inner + "</body>\n</html>\n";
    }

    /** "1234567890" as Teams prints it: "123 456 789 0". */
    static String spaced(String digits) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < digits.length(); i++) {
            if (i > 0 && i % 3 == 0) {
                b.append(' ');
            }
            b.append(digits.charAt(i));
        }
        return b.toString();
    }

    /** "25431234567" as Webex prints it: "2543 123 4567". */
    static String spaced4(String digits) {
        if (digits.length() < 8) {
            return digits;
        }
        return digits.substring(0, 4) + " " + digits.substring(4, 7) + " " + digits.substring(7);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String unescape(String s) {
        return s.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    }
}
