package ai.goldilocks.core.sampler;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Envelope;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Goldilocks sampler's teacher and everything about training it: the samples waiting for the
 * next update, the replay window it trains on, the MAE measured before each update, when updates
 * run (through an {@link Executor}: a direct one trains inside {@code feedback}, any other in the
 * background), the bound on how far it may fall behind, its counters, its part of the sampler
 * state, and closing it.
 *
 * <p>All methods but {@link #awaitUpdates} and {@link #close} are called with the sampler's lock
 * held; the update task takes the lock itself, and trains outside it unless it runs inline.
 *
 * <p><b>What a saved state holds.</b> The teacher as of its last finished update, and every sample
 * accepted since: a save never waits for an update that trains. An asynchronous update takes a
 * {@link UtilityPredictor#stateSnapshot} of the teacher before it trains, and a save while it trains
 * writes that snapshot, counts the samples it took as untrained again, and marks an update as due;
 * a save while an update is queued (not yet started) marks it as due too. Restoring a state with
 * an update due schedules that update on the restoring sampler's executor (inline for a synchronous
 * one; a closed sampler runs nothing and keeps it due for its next save), so no accepted sample is
 * lost, none is trained on twice, and with a host executor that runs
 * updates when told the restored sampler repeats the uninterrupted one's picks. An update that was
 * in flight is re-run as one over the window as saved: when samples arrived while it trained, the
 * re-run also trains on them (asynchronous results depend on timing anyway).
 */
final class Teacher {
  private static final Logger LOG = LoggerFactory.getLogger(GoldilocksSampler.class);

  private final Object lock;
  private final QuestionPool pool;
  private final UtilityPredictor predictor;
  private final boolean owned;
  private final int epochs;
  private final int maxLag;
  private final Executor executor;
  private final ExecutorService ownExecutor;

  private final ReplayWindow window;
  private final ReplayWindow pending;
  private final MaeHistory mae = new MaeHistory();
  // window samples the teacher has not trained on yet (the newest ones)
  private int untrained;
  // samples taken by the update in flight
  private int inFlight;
  private boolean training;
  // while an asynchronous update trains: the teacher as of the last finished update (null until taken)
  private UtilityPredictor.StateSnapshot lastFinished;
  private boolean updateQueued;
  // updates scheduled and not finished (awaitUpdates waits for 0)
  private int busy;
  private boolean closed;
  private boolean predictorClosed;
  private long samplesReceived;
  private long updates;
  private long failures;
  private long merged;
  private long waits;

  /**
   * @param executor runs updates; {@code null} for a background thread of the teacher's own
   * @param maxLag most untrained samples before feedback waits; {@code Integer.MAX_VALUE} never waits
   */
  Teacher(Object lock, QuestionPool pool, UtilityPredictor predictor, boolean owned, int window, int updateEvery,
      int epochs, int maxLag, Executor executor) {
    this.lock = lock;
    this.pool = pool;
    this.predictor = predictor;
    this.owned = owned;
    this.epochs = epochs;
    this.maxLag = maxLag;
    this.window = new ReplayWindow(window);
    this.pending = new ReplayWindow(updateEvery);
    if (executor == null) {
      this.ownExecutor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "goldilocks-teacher");
        t.setDaemon(true);
        return t;
      });
      this.executor = ownExecutor;
    } else {
      this.ownExecutor = null;
      this.executor = executor;
    }
  }

  UtilityPredictor predictor() {
    return predictor;
  }

  /** Adds an accepted sample; an update runs when {@code updateEvery} have gathered. May wait. */
  void learn(int index, double utility, double successRate, int groupSize) {
    int updateEvery = pending.capacity();
    if (bounded() && pending.size() == updateEvery - 1 && updateQueued) {
      // this sample makes an update due while the previous one has not started: wait for it to take
      // its samples, so that no due update is merged (the sample is appended after the wait, so a
      // second host thread arriving meanwhile waits here too)
      await(() -> pending.size() == updateEvery - 1 && updateQueued);
    }
    pending.add(index, utility, successRate, groupSize);
    samplesReceived++;
    if (pending.isFull()) {
      measureAndSchedule();
    }
    if (bounded() && lag() > maxLag) {
      await(() -> lag() > maxLag && (updateQueued || inFlight > 0));
    }
  }

  private void measureAndSchedule() {
    int n = pending.size();
    // validation before training: the teacher has never trained on these samples
    double[] pred = new double[n];
    predictor.predict(pool, pending.questions(), n, pred);
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += Math.abs(pred[i] - pending.utility(i));
    }
    mae.add(samplesReceived, sum / n);
    window.addAll(pending);
    untrained = Math.min(window.size(), untrained + n);
    pending.clear();
    if (updateQueued) {
      merged++;
      return;
    }
    schedule();
  }

  /** Queues an update on the executor; a refusal counts as a failed update and keeps the samples. */
  private void schedule() {
    updateQueued = true;
    busy++;
    try {
      executor.execute(this::update);
    } catch (RejectedExecutionException e) {
      updateQueued = false;
      busy--;
      failures++;
      LOG.error("the teacher's executor refused an update; the samples stay in the window for the next one", e);
    }
  }

  /** One update: trains on a snapshot of the window. Runs on the executor, possibly inline. */
  private void update() {
    // inline: the caller holds the lock throughout, so no save can see this update half done
    boolean inline = Thread.holdsLock(lock);
    TrainingExamples examples;
    synchronized (lock) {
      while (training) {
        waitOnLock();
      }
      if (!updateQueued) {
        // a restore replaced the state this update was queued for, and that state had none due
        busy--;
        lock.notifyAll();
        return;
      }
      training = true;
      updateQueued = false;
      inFlight = untrained;
      examples = window.toExamples(untrained);
      untrained = 0;
      lock.notifyAll();
    }
    boolean ok = false;
    try {
      if (!inline) {
        snapshotBeforeTraining();
      }
      predictor.train(pool, examples, epochs);
      ok = true;
    } catch (RuntimeException e) {
      // the feedback that triggered this update was valid and is kept; the update is what failed
      LOG.error("teacher update failed; the teacher keeps its previous weights and retries at the next update", e);
    } finally {
      synchronized (lock) {
        if (ok) {
          updates++;
        } else {
          failures++;
          untrained = Math.min(window.size(), untrained + inFlight);
        }
        inFlight = 0;
        training = false;
        lastFinished = null;
        busy--;
        lock.notifyAll();
      }
    }
  }

  /**
   * Takes the teacher's state before this update trains (outside the lock: a default snapshot
   * serialises the teacher; picks go on meanwhile), for a save while it trains. If that fails, a
   * save waits for the update to end instead.
   */
  private void snapshotBeforeTraining() {
    UtilityPredictor.StateSnapshot snapshot = null;
    try {
      snapshot = predictor.stateSnapshot();
    } catch (IOException | RuntimeException e) {
      LOG.warn("the teacher {} could not snapshot its state before an update; a save waits for the update instead",
          predictor.name(), e);
    }
    synchronized (lock) {
      lastFinished = snapshot;
      lock.notifyAll();
    }
  }

  private void waitOnLock() {
    try {
      lock.wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the teacher", e);
    }
  }

  private boolean bounded() {
    return maxLag != Integer.MAX_VALUE;
  }

  /** Samples the serving teacher has not trained on. */
  long lag() {
    return (long) pending.size() + untrained + inFlight;
  }

  /**
   * Waits, releasing the lock, while {@code condition} holds and the teacher is open; counts one
   * wait if it waited at all. Updates notify when they take their samples and when they end.
   */
  private void await(BooleanSupplier condition) {
    boolean counted = false;
    while (condition.getAsBoolean() && !closed) {
      if (!counted) {
        waits++;
        counted = true;
      }
      try {
        lock.wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Blocks until every scheduled update has finished. */
  void awaitUpdates() {
    synchronized (lock) {
      while (busy > 0) {
        waitOnLock();
      }
    }
  }

  /**
   * Runs {@code action} (a save) with the lock held once every update that trains has a snapshot
   * of the teacher before it: at most the time a snapshot takes, never the length of an update
   * (unless taking the snapshot failed).
   */
  void saving(AbstractSampler.IoAction action) throws IOException {
    synchronized (lock) {
      while (training && lastFinished == null) {
        waitOnLock();
      }
      action.run();
    }
  }

  /** Runs {@code action} (a restore) with the lock held and no update training. */
  void quiesced(AbstractSampler.IoAction action) throws IOException {
    synchronized (lock) {
      while (training) {
        waitOnLock();
      }
      action.run();
    }
  }

  TeacherStatus status() {
    return new TeacherStatus(mae.last(), updates, failures, lag(), merged, waits);
  }

  java.util.List<double[]> maeHistory() {
    return mae.copy();
  }

  /**
   * Writes the teacher's part of the state (see the class documentation for what it holds): window
   * and update interval, the window's samples and how many are untrained, the pending samples, the
   * MAE, the counters, the MAE history and the predictor's own state. Format 4's layout, with the
   * failure count added at the end in format 5 and whether an update is due in format 6.
   */
  void write(DataOutputStream out) throws IOException {
    if (training && lastFinished == null) {
      throw new IllegalStateException("a save while an update trains needs the teacher's state from before it");
    }
    out.writeInt(window.capacity());
    out.writeInt(pending.capacity());
    out.writeInt(window.size());
    // the samples of the update in flight are untrained as far as the saved teacher goes
    out.writeInt(training ? Math.min(window.size(), untrained + inFlight) : untrained);
    window.writeSamples(out);
    pending.write(out);
    mae.writeLast(out);
    out.writeLong(samplesReceived);
    out.writeLong(updates);
    out.writeLong(merged);
    out.writeLong(waits);
    mae.writeRows(out);
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    DataOutputStream pd = new DataOutputStream(p);
    if (training) {
      lastFinished.writeTo(pd);
    } else {
      predictor.writeState(pd);
    }
    pd.flush();
    Envelope.writeBytes(out, p.toByteArray());
    out.writeLong(failures);
    out.writeBoolean(training || updateQueued);
  }

  /** Parses {@link #write}'s form (format {@code version}) without applying it; returns what applies it. */
  AbstractSampler.IoAction read(DataInputStream in, int version) throws IOException {
    int w = in.readInt();
    int u = in.readInt();
    if (w != window.capacity() || u != pending.capacity()) {
      throw new IOException("sampler state has window " + w + " and updateEvery " + u
          + ", this sampler is configured with " + window.capacity() + " and " + pending.capacity());
    }
    int n = in.readInt();
    if (n < 0 || n > w) {
      throw new IOException("corrupt sampler state: replay buffer size " + n);
    }
    int fresh = in.readInt();
    if (fresh < 0 || fresh > n) {
      throw new IOException("corrupt sampler state: " + fresh + " untrained samples in a window of " + n);
    }
    ReplayWindow win = ReplayWindow.readSamples(in, n, w, pool.size());
    ReplayWindow pend = ReplayWindow.read(in, u, u - 1, pool.size(), "pending batch");
    double last = in.readDouble();
    long received = in.readLong();
    long upd = in.readLong();
    long mergedCount = in.readLong();
    long waitCount = in.readLong();
    if (upd < 0 || mergedCount < 0 || waitCount < 0) {
      throw new IOException("corrupt sampler state: negative update counters " + upd + ", " + mergedCount + ", " + waitCount);
    }
    MaeHistory hist = MaeHistory.read(last, in);
    byte[] predictorState = Envelope.readBytes(in, "sampler state");
    long failed = version >= 5 ? in.readLong() : 0;
    if (failed < 0) {
      throw new IOException("corrupt sampler state: negative failure count " + failed);
    }
    boolean due = version >= 6 && in.readBoolean();
    return () -> {
      predictor.readState(new DataInputStream(new ByteArrayInputStream(predictorState)));
      window.copyFrom(win);
      pending.copyFrom(pend);
      untrained = fresh;
      mae.copyFrom(hist);
      samplesReceived = received;
      updates = upd;
      merged = mergedCount;
      waits = waitCount;
      failures = failed;
      inFlight = 0;
      if (!due) {
        updateQueued = false; // an update queued before the restore finds none due and does nothing
      } else if (closed) {
        updateQueued = true; // closed: nothing may train any more; the update stays due in a later save
      } else if (!updateQueued) {
        schedule();
      } // else: the update already queued trains on the restored samples
    };
  }

  /**
   * Stops: lets the updates already scheduled finish (at most a minute), then closes the predictor
   * if the sampler owns it.
   */
  void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    boolean idle;
    if (ownExecutor != null) {
      ownExecutor.shutdown();
      try {
        idle = ownExecutor.awaitTermination(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        idle = false;
      }
    } else {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      synchronized (lock) {
        while (busy > 0 && System.nanoTime() < deadline) {
          try {
            lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        idle = busy == 0;
      }
    }
    synchronized (lock) {
      if (!owned || predictorClosed) {
        return;
      }
      predictorClosed = idle;
    }
    if (!idle) {
      LOG.warn("a teacher update is still running after a minute; the teacher {} is left open", predictor.name());
      return;
    }
    try {
      predictor.close();
    } catch (RuntimeException e) {
      LOG.warn("closing the teacher {} failed", predictor.name(), e);
    }
  }
}
