package ai.goldilocks.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A one-line console progress bar with rate and ETA, on stderr. Bars of work running at the same
 * time (arms on parallel threads) share the line: each shows a short part (label, percent, ETA),
 * and a finished bar prints its full line once. Closing a bar that stopped early (an early stop, a
 * failure) takes it off the line.
 */
final class ProgressBar implements AutoCloseable {
  /** Bars started and not finished, in start order; guarded by the class. */
  private static final List<ProgressBar> ACTIVE = new ArrayList<>();
  private static int lastWidth;

  private final String label;
  private final long total;
  private final long start = System.nanoTime();
  private final PrintStream out = System.err;
  private final long startDone;
  private long lastPrint;
  private long done;

  ProgressBar(String label, long total) {
    this(label, total, 0);
  }

  /** A bar that starts at {@code startDone} (a resumed run): the rate and ETA count only what is done from here. */
  ProgressBar(String label, long total, long startDone) {
    this.label = label;
    this.total = Math.max(1, total);
    this.startDone = startDone;
    this.done = startDone;
    synchronized (ProgressBar.class) {
      ACTIVE.add(this);
    }
  }

  void update(long done, String extra) {
    long now = System.nanoTime();
    synchronized (ProgressBar.class) {
      this.done = done;
      if (done < total && now - lastPrint < 200_000_000L) {
        return;
      }
      lastPrint = now;
      String line;
      if (done >= total) {
        ACTIVE.remove(this);
        line = full(now, extra);
      } else if (ACTIVE.size() <= 1) {
        line = full(now, extra);
      } else {
        StringBuilder b = new StringBuilder();
        for (ProgressBar bar : ACTIVE) {
          b.append(b.length() == 0 ? "" : " | ").append(bar.brief(now));
        }
        line = b.toString();
      }
      out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
      lastWidth = line.length();
      if (done >= total) {
        out.println();
        lastWidth = 0;
      }
      out.flush();
    }
  }

  /** Takes the bar off the shared line; a bar that reached its total is already off. */
  @Override
  public void close() {
    synchronized (ProgressBar.class) {
      if (ACTIVE.remove(this) && lastPrint != 0) {
        out.println();
        lastWidth = 0;
        out.flush();
      }
    }
  }

  private double eta(long now) {
    double elapsed = (now - start) / 1e9;
    return done <= startDone ? Double.NaN : elapsed * (total - done) / (done - startDone);
  }

  private String full(long now, String extra) {
    double frac = Math.min(1.0, (double) done / total);
    int width = 28;
    int filled = (int) Math.round(frac * width);
    double eta = eta(now);
    return String.format("%-22s [%s%s] %5.1f%% %d/%d  %.0fs elapsed, eta %s  %s", label, "=".repeat(filled), " ".repeat(width - filled),
        100 * frac, done, total, (now - start) / 1e9, Double.isNaN(eta) ? "?" : String.format("%.0fs", eta), extra == null ? "" : extra);
  }

  private String brief(long now) {
    double eta = eta(now);
    return String.format("%s %.0f%% eta %s", label, 100.0 * Math.min(1.0, (double) done / total),
        Double.isNaN(eta) ? "?" : String.format("%.0fs", eta));
  }
}
