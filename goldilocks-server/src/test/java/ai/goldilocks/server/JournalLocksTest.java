package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint rolls the journal while a request's fsync is in flight: the two must not wait for
 * each other. The request thread's fsync fails (a full disk), so it records the failure; the roll
 * meanwhile wants the fsync's lock to sync the old segment.
 */
class JournalLocksTest {
  private static final RunConfig CONFIG = new RunConfig("00ff", 4, 16, 0.1, 3, "features-mlp", 0, 1);

  /** Blocks the gated thread's fsync until released, then fails it as a full disk does. */
  private static final class GatedDisk implements Disk {
    volatile Thread gated;
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void force(FileChannel c, boolean metadata) throws IOException {
      if (Thread.currentThread() == gated) {
        entered.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new IOException("No space left on device");
      }
      Disk.super.force(c, metadata);
    }
  }

  @Test
  void aRollDuringAFailingFsyncEndsWithoutADeadlock(@TempDir Path dir) throws Exception {
    GatedDisk disk = new GatedDisk();
    Journal j = Journal.open(dir, disk, CONFIG);
    j.roll(1);
    long first = j.append(new JournalCodec.PicksEntry(1, new Ledger.Picks(0, new String[] {"a"}, new double[] {0.1})));
    j.append(new JournalCodec.PicksEntry(2, new Ledger.Picks(1, new String[] {"b"}, new double[] {0.2})));

    AtomicReference<Throwable> syncResult = new AtomicReference<>();
    AtomicReference<Throwable> rollResult = new AtomicReference<>();
    Thread request = new Thread(() -> syncResult.set(attempt(() -> j.sync(first))), "request");
    request.setDaemon(true); // a deadlock must not keep the test JVM alive
    disk.gated = request;
    request.start();
    disk.entered.await(); // the request's fsync is in flight
    Thread checkpoint = new Thread(() -> rollResult.set(attempt(() -> j.roll(3))), "checkpoint");
    checkpoint.setDaemon(true);
    checkpoint.start();
    while (checkpoint.getState() != Thread.State.BLOCKED && checkpoint.isAlive()) {
      Thread.onSpinWait(); // the roll waits for the fsync in flight
    }
    disk.release.countDown(); // the fsync fails

    // a deadlock never ends: the bound is far beyond what the two calls take, not a timing check
    request.join(60_000);
    checkpoint.join(60_000);
    if (request.isAlive() || checkpoint.isAlive()) {
      fail("the journal's roll and a failing fsync deadlocked (request " + request.getState() + ", checkpoint "
          + checkpoint.getState() + ")");
    }
    assertInstanceOf(IOException.class, syncResult.get());
    assertInstanceOf(IOException.class, rollResult.get(), "a roll after the failure is refused");
    assertNotNull(j.failure());
    assertEquals("No space left on device", j.failure().getMessage());
    j.close();
  }

  private interface IoRunnable {
    void run() throws IOException;
  }

  private static Throwable attempt(IoRunnable r) {
    try {
      r.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }
}
