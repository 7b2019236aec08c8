package ai.goldilocks.djl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps DJL off the network. DJL 0.36 downloads engines and, on its first engine start, contacts
 * an outside address unless told not to. This adapter sets {@code ai.djl.offline=true} and
 * {@code OPT_OUT_TRACKING=true} (as system properties, which DJL reads as well as the environment
 * variables) before any DJL class starts an engine, unless the user has set them explicitly.
 *
 * <p>Every entry point of this module calls {@link #ensure()}; users rarely need to.
 */
public final class Offline {
  private static final Logger LOG = LoggerFactory.getLogger(Offline.class);
  private static volatile boolean done;

  private Offline() {}

  /** Sets the offline properties unless already set by the user; idempotent and thread-safe. */
  public static void ensure() {
    if (done) {
      return;
    }
    synchronized (Offline.class) {
      if (done) {
        return;
      }
      setUnlessPresent("ai.djl.offline", "DJL_OFFLINE", "true");
      setUnlessPresent("OPT_OUT_TRACKING", "OPT_OUT_TRACKING", "true");
      done = true;
    }
  }

  private static void setUnlessPresent(String property, String env, String value) {
    String p = System.getProperty(property);
    String e = System.getenv(env);
    if (p == null && e == null) {
      System.setProperty(property, value);
    } else if (!value.equalsIgnoreCase(p != null ? p : e)) {
      LOG.warn("{} is set to '{}' by the user: DJL may use the network", property, p != null ? p : e);
    }
  }
}
