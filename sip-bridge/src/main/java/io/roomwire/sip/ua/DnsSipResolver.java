package io.roomwire.sip.ua;

import io.roomwire.sip.SipTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.OptionalInt;
import java.util.random.RandomGenerator;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import org.tinylog.Logger;

/**
 * RFC 3263 resolution with the JDK's DNS provider: SRV then A/AAAA. SRV answers are ordered
 * by priority, then weighted at random within a priority (RFC 2782); targets that do not resolve
 * to an address are skipped.
 */
public final class DnsSipResolver implements SipResolver {

    /** One SRV answer. */
    public record Srv(int priority, int weight, int port, String target) { }

    /** Looks up SRV records by name; swapped in tests. */
    @FunctionalInterface
    public interface SrvLookup {
        List<Srv> lookup(String name) throws IOException;
    }

    /** Looks up addresses by name (A/AAAA); swapped in tests. */
    @FunctionalInterface
    public interface AddressLookup {
        List<InetAddress> lookup(String name) throws IOException;
    }

    private final SrvLookup srv;
    private final AddressLookup addresses;
    private final RandomGenerator random;

    public DnsSipResolver() {
        this(DnsSipResolver::jndiSrv, name -> List.of(InetAddress.getAllByName(name)), RandomGenerator.getDefault());
    }

    public DnsSipResolver(SrvLookup srv, AddressLookup addresses, RandomGenerator random) {
        this.srv = srv;
        this.addresses = addresses;
        this.random = random;
    }

    @Override
    public List<SipHop> resolve(String host, OptionalInt port, SipTransport transport) throws IOException {
        if (isLiteral(host) || port.isPresent()) {
            return List.of(new SipHop(host, port.orElse(transport.defaultPort()), transport));
        }
        String service = switch (transport) {
            case TLS -> "_sips._tcp.";
            case TCP -> "_sip._tcp.";
            case UDP -> "_sip._udp.";
        };
        List<Srv> answers;
        try {
            answers = srv.lookup(service + host);
        } catch (IOException e) {
            Logger.debug("SRV lookup of {}{} failed: {}", service, host, e.getMessage());
            answers = List.of();
        }
        List<SipHop> hops = new ArrayList<>();
        for (Srv s : order(answers)) {
            String target = s.target().endsWith(".") ? s.target().substring(0, s.target().length() - 1) : s.target();
            if (target.isEmpty()) {
                continue;
            }
            if (resolves(target)) {
                hops.add(new SipHop(target, s.port(), transport));
            }
        }
        if (hops.isEmpty()) {
            if (!resolves(host)) {
                throw new UnknownHostException("no SRV record and no address for " + host
                        + ": check the gateway domain or DNS (sip.outbound-proxy bypasses DNS)");
            }
            hops.add(new SipHop(host, transport.defaultPort(), transport));
        }
        return List.copyOf(hops);
    }

    private boolean resolves(String name) {
        try {
            return !addresses.lookup(name).isEmpty();
        } catch (IOException e) {
            Logger.debug("address lookup of {} failed: {}", name, e.getMessage());
            return false;
        }
    }

    /** Priority ascending; within a priority, RFC 2782's weighted random order. */
    List<Srv> order(List<Srv> answers) {
        List<Srv> sorted = new ArrayList<>(answers);
        sorted.sort(Comparator.comparingInt(Srv::priority));
        List<Srv> out = new ArrayList<>();
        int i = 0;
        while (i < sorted.size()) {
            int p = sorted.get(i).priority();
            List<Srv> group = new ArrayList<>();
            while (i < sorted.size() && sorted.get(i).priority() == p) {
                group.add(sorted.get(i++));
            }
            while (!group.isEmpty()) {
                int total = group.stream().mapToInt(s -> Math.max(0, s.weight())).sum();
                int pick = total == 0 ? 0 : random.nextInt(total + 1);
                int run = 0;
                int chosen = 0;
                for (int k = 0; k < group.size(); k++) {
                    run += Math.max(0, group.get(k).weight());
                    if (run >= pick) {
                        chosen = k;
                        break;
                    }
                }
                out.add(group.remove(chosen));
            }
        }
        return out;
    }

    static boolean isLiteral(String host) {
        return host.matches("[0-9.]+") || host.contains(":") || host.startsWith("[");
    }

    private static List<Srv> jndiSrv(String name) throws IOException {
        Hashtable<String, String> env = new Hashtable<>();
        env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
        env.put("com.sun.jndi.dns.timeout.initial", "1000");
        env.put("com.sun.jndi.dns.timeout.retries", "2");
        try {
            DirContext ctx = new InitialDirContext(env);
            try {
                Attributes attrs = ctx.getAttributes(name, new String[] {"SRV"});
                Attribute a = attrs.get("SRV");
                List<Srv> out = new ArrayList<>();
                if (a == null) {
                    return out;
                }
                NamingEnumeration<?> e = a.getAll();
                while (e.hasMore()) {
                    String[] f = e.next().toString().trim().split("\\s+");
                    if (f.length == 4) {
                        out.add(new Srv(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), f[3]));
                    }
                }
                return out;
            } finally {
                ctx.close();
            }
        } catch (NamingException | NumberFormatException e) {
            throw new IOException("SRV lookup of " + name + " failed: " + e.getMessage(), e);
        }
    }
}
