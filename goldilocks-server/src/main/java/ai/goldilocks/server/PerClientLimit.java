package ai.goldilocks.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a client's connections beyond the per-client bound as they open, so that one client
 * (or attacker) cannot take every connection the server allows.
 */
final class PerClientLimit implements Connection.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(PerClientLimit.class);
  private final int limit;
  /** Open connections per address; changed only by atomic map operations (a count apart from the map could be lost). */
  private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
  // the address of each counted connection (a closed socket no longer tells it)
  private final ConcurrentHashMap<Connection, InetAddress> counted = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - 20_000_000_000L);

  PerClientLimit(int limit) {
    this.limit = limit;
  }

  @Override
  public void onOpened(Connection c) {
    SocketAddress sa = c.getEndPoint().getRemoteSocketAddress();
    if (!(sa instanceof InetSocketAddress isa)) {
      return;
    }
    InetAddress a = isa.getAddress();
    counted.put(c, a);
    int n = open.merge(a, 1, Integer::sum);
    if (n > limit) {
      long refused = this.refused.incrementAndGet();
      long now = System.nanoTime();
      long last = lastWarning.get();
      if (now - last > 10_000_000_000L && lastWarning.compareAndSet(last, now)) { // one line per 10 s at most
        LOG.warn("closing a connection from {}: it has {} open, the limit is {} (--max-connections-per-client); "
            + "{} refused so far", a.getHostAddress(), n - 1, limit, refused);
      }
      c.getEndPoint().close();
    }
  }

  @Override
  public void onClosed(Connection c) {
    InetAddress a = counted.remove(c);
    if (a != null) {
      open.computeIfPresent(a, (k, n) -> n <= 1 ? null : n - 1);
    }
  }
}
