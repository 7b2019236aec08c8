package ai.goldilocks.djl;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * Two copies of one network for a model that predicts while it trains: one serves predictions,
 * the other trains. Publishing swaps their roles by reference (one volatile write), so a
 * prediction never waits for weights to be copied: the copy that brings the training buffer up to
 * date runs in the trainer's time, on the buffer no new prediction reads.
 *
 * <p>Each buffer has a read-write lock. A prediction read-locks the served buffer with
 * {@code tryLock}: it fails only on a buffer that a writer holds, which is never the served one,
 * so the prediction reads the served reference again. A writer write-locks the training buffer,
 * which waits only for predictions that took it while it was still served. Writers (training,
 * restoring, closing) are serialised by the caller.
 */
final class WeightBuffers implements AutoCloseable {
  /** One network and the lock that keeps writers off it while predictions read it. */
  private static final class Buffer {
    final Network network;
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    Buffer(Network network) {
      this.network = network;
    }
  }

  private volatile Buffer serving;
  private Buffer training;
  /** Whether the training buffer holds the served weights (false after a publish until the next copy). */
  private boolean inSync = true;
  private volatile boolean closed;
  /** Runs while the training buffer is being brought up to date (a seam for tests); a no-op otherwise. */
  private final Runnable copyProbe;

  /** Two networks of the same shape holding the same weights. */
  WeightBuffers(Network serving, Network training, Runnable copyProbe) {
    this.serving = new Buffer(serving);
    this.training = new Buffer(training);
    this.copyProbe = copyProbe != null ? copyProbe : () -> {};
  }

  /** The served network's work {@code f}, on the published weights; never waits for a copy. */
  <T> T read(Function<Network, T> f) {
    while (true) {
      checkOpen();
      Buffer b = serving;
      if (b.lock.readLock().tryLock()) {
        try {
          checkOpen();
          return f.apply(b.network);
        } finally {
          b.lock.readLock().unlock();
        }
      }
      Thread.onSpinWait(); // a writer holds b, so b is no longer served: read the reference again
    }
  }

  /** The served network, for the trainer's own reads (the trainer never writes it). */
  Network served() {
    return serving.network;
  }

  /**
   * Runs {@code f} on the training network, brought up to date with the served weights first,
   * while no prediction reads it. If {@code f} throws, the training network may hold part of its
   * work: the next write brings it up to date again first.
   */
  <T> T write(Function<Network, T> f) {
    checkOpen();
    Buffer t = training;
    t.lock.writeLock().lock();
    try {
      if (!inSync) {
        copyProbe.run();
        t.network.copyFrom(serving.network);
        inSync = true;
      }
      inSync = false; // until f returns
      T result = f.apply(t.network);
      inSync = true;
      return result;
    } finally {
      t.lock.writeLock().unlock();
    }
  }

  /** Makes the training network's weights the served ones; the other buffer trains next. */
  void publish() {
    Buffer t = training;
    training = serving;
    serving = t;
    inSync = false;
  }

  /** Both networks (the served one first), for counting or checking their arrays. */
  Network[] networks() {
    return new Network[] {serving.network, training.network};
  }

  /** Whether {@link #close} has run. */
  boolean isClosed() {
    return closed;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the teacher is closed");
    }
  }

  /** Waits for predictions in flight, then frees both networks' native memory; idempotent. */
  @Override
  public void close() {
    Buffer a = serving;
    Buffer b = training;
    a.lock.writeLock().lock();
    b.lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      a.network.close();
      b.network.close();
    } finally {
      b.lock.writeLock().unlock();
      a.lock.writeLock().unlock();
    }
  }
}
