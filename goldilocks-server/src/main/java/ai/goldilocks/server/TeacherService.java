package ai.goldilocks.server;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.SamplerMetrics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service without HTTP: checks typed requests against the run's options, orders every change
 * under one lock, journals it before the {@link Ledger} applies it, and answers only once the
 * journal's fsync covers what the answer reports (group commit: concurrent requests share an
 * fsync). Restores the newest usable checkpoint and replays the journal on start; writes
 * checkpoints. Thread-safe.
 */
final class TeacherService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TeacherService.class);
  /** The largest step: a step counter beyond 2^31 - 1 is a trainer's bug, not a long run. */
  static final long MAX_STEP = Integer.MAX_VALUE;

  private final QuestionPool pool;
  private final Sampler sampler;
  private final TimedPredictor teacher;
  private final Ledger ledger;
  private final int groupSize;
  private final int checkpointEvery;
  private final double rewardLow;
  private final double rewardHigh;
  private final Path stateDir;
  private final Checkpoints checkpointFiles;
  private final RunConfig config;
  private final Disk disk;

  private final Object lock = new Object();
  private Journal journal;
  private long seq;
  private long lastCheckpointSeq = -1;
  /** The end of the newest picks record in the current segment (0: every picks record is on disk). */
  private long picksEnd;
  // this process's counters (the ledger holds the run's)
  private long pickRequests;
  private long duplicateParts;
  private long rejectedItems;
  private long checkpoints;

  /**
   * @param teacher the sampler's teacher, for its metrics; null if the sampler has none
   */
  TeacherService(QuestionPool pool, Sampler sampler, TimedPredictor teacher, int groupSize, int keepSteps,
      int checkpointEvery, Path stateDir, RunConfig config, Disk disk) {
    this.pool = pool;
    this.sampler = sampler;
    this.teacher = teacher;
    this.ledger = new Ledger(sampler, groupSize, keepSteps);
    this.groupSize = groupSize;
    this.checkpointEvery = checkpointEvery;
    this.rewardLow = config.rewardLow();
    this.rewardHigh = config.rewardHigh();
    this.stateDir = stateDir;
    this.checkpointFiles = stateDir == null ? null : new Checkpoints(stateDir, disk);
    this.config = config;
    this.disk = disk;
  }

  /** The sampler served. */
  Sampler sampler() {
    return sampler;
  }

  QuestionPool pool() {
    return pool;
  }

  int groupSize() {
    return groupSize;
  }

  // ---------------------------------------------------------------- start: restore + replay

  /** Restores the newest valid checkpoint in the state dir, replays the journal after it, opens the journal. */
  void start() throws IOException {
    if (stateDir == null) {
      return;
    }
    CheckpointCodec.requireStorableIds(pool);
    Files.createDirectories(stateDir);
    synchronized (lock) {
      checkpointFiles.removeLeftovers();
      List<Long> found = checkpointFiles.seqs();
      long restored = 0;
      IOException refusal = null; // the first checkpoint whose intact state the sampler refused
      for (int i = found.size() - 1; i >= 0; i--) {
        Path file = checkpointFiles.file(found.get(i));
        try {
          readCheckpoint(file);
          restored = found.get(i);
          LOG.info("restored {} (journal sequence {})", file.getFileName(), restored);
          break;
        } catch (OtherOptions e) {
          throw new IOException(file + " was written with other options: " + e.getMessage()
              + ". Restart with the options the state was written with, or use a fresh --state-dir for a new run");
        } catch (SamplerRefused e) {
          // its bytes are intact: other sampler settings (then every checkpoint is refused alike), or a
          // state the sampler cannot take back (then an older one may do)
          if (refusal == null) {
            refusal = new IOException(file + " is intact, but the sampler refuses its state (" + e.getMessage()
                + "), and so it does every older checkpoint. Restart with the options the state was written with (the "
                + "sampler's maxPolicyLag is --max-step-lag), or use a fresh --state-dir for a new run", e.getCause());
          }
          LOG.warn("the sampler refuses the state of checkpoint {} ({}); trying an older one", file.getFileName(),
              e.getMessage());
        } catch (IOException | RuntimeException e) {
          LOG.warn("checkpoint {} is not usable ({}); trying an older one", file.getFileName(), e.getMessage());
        }
      }
      if (restored == 0 && refusal != null) {
        // not rebuilt from the journal alone either: that would take on settings the sampler refused
        throw refusal;
      }
      if (restored == 0 && !found.isEmpty() && !Journal.segments(stateDir).contains(1L)) {
        throw new IOException("no usable checkpoint in " + stateDir + " and the journal does not start at sequence 1: "
            + "state cannot be rebuilt; move the directory away to start afresh");
      }
      seq = restored;
      lastCheckpointSeq = restored;
      long before = seq;
      try {
        seq = Journal.replay(stateDir, restored, config, this::replay);
      } catch (UnsupportedOperationException e) {
        throw new IOException("the journal in " + stateDir + " holds picks to replay, and " + e.getMessage()
            + "; serve this state with a sampler that implements Sampler.markHandedOut", e);
      }
      if (seq > before) {
        LOG.info("replayed journal records {}..{}", before + 1, seq);
      }
      journal = Journal.open(stateDir, disk, config);
      journal.roll(seq + 1);
    }
  }

  /** A checkpoint written with other options: not damage (no older one will do), the operator's choice. */
  private static final class OtherOptions extends IOException {
    private static final long serialVersionUID = 1L;

    OtherOptions(String message) {
      super(message);
    }
  }

  /**
   * The sampler refused the state of a checkpoint whose bytes its checksum vouches for: its own
   * settings differ or it is another kind of sampler (no older checkpoint mends that), or the state
   * holds what it cannot take back (e.g. a teacher's weights that are not finite).
   */
  private static final class SamplerRefused extends IOException {
    private static final long serialVersionUID = 1L;

    SamplerRefused(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  private void replay(JournalCodec.Entry e) {
    if (e instanceof JournalCodec.PicksEntry p) {
      ledger.replay(p.picks());
      seq = p.seq();
    } else if (e instanceof JournalCodec.RewardsEntry r) {
      for (Ledger.Part part : r.parts()) {
        checkPart(part.id(), part.rollouts(), part.rewards());
      }
      ledger.apply(r.step(), r.parts());
      seq = r.seq();
    }
  }

  /** 503 once the journal has failed: the memory may hold a change the disk does not. */
  private void checkJournal() {
    IOException f = journal == null ? null : journal.failure();
    if (f != null) {
      throw journalFailed(f);
    }
  }

  private static ApiException journalFailed(IOException e) {
    return new ApiException(503, "unavailable", "the journal could not be written (" + e.getMessage() + "): this "
        + "server refuses changes until it is restarted; free the disk and restart it (nothing acknowledged is lost)");
  }

  private static ApiException refused(Ledger.Refused r) {
    return r.kind == Ledger.Refused.Kind.CONFLICT ? ApiException.conflict(r.getMessage())
        : ApiException.unprocessable(r.getMessage());
  }

  /** The end of what the journal holds now: an answer that reports this state waits until it is on disk. */
  private long journalEnd() {
    return journal == null ? -1 : journal.written();
  }

  // ---------------------------------------------------------------- picks

  /**
   * The picks of {@code step}: drawn on the first request, the same for every later caller, also
   * after a restart. Every caller is answered only once the picks are on disk.
   */
  Ledger.Picks picks(Messages.PicksRequest req) {
    long step = req.step();
    long n = req.n();
    checkStep(step);
    if (n < 1 || n > pool.size()) {
      throw ApiException.unprocessable("n must be in [1, " + pool.size() + "] (the pool's size), got " + n);
    }
    long position;
    Ledger.Picks picks;
    boolean checkpointNow = false;
    synchronized (lock) {
      checkJournal();
      picks = ledger.picks(step);
      if (picks != null) {
        if (picks.size() != n) {
          throw ApiException.conflict("step " + step + " was already picked with n = " + picks.size() + ", not " + n);
        }
      } else {
        try {
          picks = ledger.draw(step, (int) n);
        } catch (Ledger.Refused r) {
          throw refused(r);
        }
        if (journal != null) {
          // journaled first: a failed write leaves the ledger, the counters and the sequence as they were
          try {
            picksEnd = journal.append(new JournalCodec.PicksEntry(seq + 1, picks));
          } catch (IOException e) {
            throw journalFailed(e);
          }
          seq++;
          checkpointNow = checkpointEvery > 0 && step > 0 && step % checkpointEvery == 0;
        }
        ledger.record(picks);
      }
      pickRequests++;
      // a second rank asking while the first one's fsync runs waits for that fsync too (positions
      // only grow within a segment, so the newest picks record's end covers every step's)
      position = journal == null ? -1 : picksEnd;
    }
    sync(position);
    if (checkpointNow) {
      try {
        checkpoint();
      } catch (ApiException | IOException e) {
        // the picks are in the journal: this answer stands; the next multiple of --checkpoint-every tries again
        LOG.warn("the checkpoint at step {} failed ({}); the journal holds every acknowledged change", step, e.getMessage());
      }
    }
    return picks;
  }

  // ---------------------------------------------------------------- rewards

  /** Accepts the rewards of whole groups or parts of groups; see the class documentation of {@link TeacherServer}. */
  Messages.RewardsAnswer rewards(Messages.RewardsRequest req) {
    long step = req.step();
    checkStep(step);
    // the checks that need no state run before the lock, so bad items do not hold up other requests
    TreeMap<Integer, Messages.Rejection> rejections = new TreeMap<>();
    List<Ledger.Part> parts = new ArrayList<>(req.items().size());
    List<Messages.RewardItem> partItems = new ArrayList<>(req.items().size());
    for (Messages.RewardItem it : req.items()) {
      try {
        if (it.problem() != null) {
          throw ApiException.badRequest(it.problem());
        }
        if (pool.indexOf(it.id()) < 0) {
          throw ApiException.unprocessable("unknown question id '" + Quote.of(it.id()) + "'");
        }
        int[] rollouts = it.rollouts() != null ? it.rollouts() : wholeGroup(it.rewards().length);
        checkPart(it.id(), rollouts, it.rewards());
        parts.add(new Ledger.Part(it.id(), rollouts, it.rewards()));
        partItems.add(it);
      } catch (ApiException e) {
        rejections.put(it.index(), new Messages.Rejection(it.index(), it.id(), e.getMessage()));
      }
    }
    int duplicate;
    Ledger.Applied applied = new Ledger.Applied(0, 0);
    int accepted;
    long position;
    synchronized (lock) {
      checkJournal();
      Ledger.Staged staged = ledger.stage(step, parts);
      for (Map.Entry<Integer, String> r : staged.refused().entrySet()) {
        Messages.RewardItem it = partItems.get(r.getKey());
        rejections.put(it.index(), new Messages.Rejection(it.index(), it.id(), r.getValue()));
      }
      if (!staged.fresh().isEmpty()) {
        if (journal != null) {
          // journaled first: a failed write changes nothing
          try {
            journal.append(new JournalCodec.RewardsEntry(seq + 1, step, staged.fresh()));
          } catch (IOException e) {
            throw journalFailed(e);
          }
          seq++;
        }
        applied = ledger.apply(step, staged.fresh());
      }
      accepted = staged.fresh().size();
      duplicate = staged.duplicates();
      rejectedItems += rejections.size();
      duplicateParts += duplicate;
      // a duplicate reports a part another request added: it waits until that part is on disk
      position = journalEnd();
    }
    sync(position);
    return new Messages.RewardsAnswer(step, accepted, duplicate, applied.stale(), applied.completed(),
        new ArrayList<>(rejections.values()));
  }

  private int[] wholeGroup(int n) {
    if (n != groupSize) {
      throw ApiException.unprocessable(n + " rewards for a whole group of " + groupSize
          + " (send \"rollouts\" with the indices of a part)");
    }
    int[] ro = new int[groupSize];
    for (int k = 0; k < groupSize; k++) {
      ro[k] = k;
    }
    return ro;
  }

  /** A part in itself: rewards finite and in range, one per rollout, rollouts distinct and in [0, G). */
  private void checkPart(String id, int[] rollouts, double[] rewards) {
    if (rewards.length == 0) {
      throw ApiException.unprocessable("no rewards");
    }
    for (int k = 0; k < rewards.length; k++) {
      if (!Double.isFinite(rewards[k]) || rewards[k] < rewardLow || rewards[k] > rewardHigh) {
        throw ApiException.unprocessable("reward[" + k + "] = " + rewards[k] + " is not a finite number in [" + rewardLow
            + ", " + rewardHigh + "]");
      }
    }
    if (rollouts.length != rewards.length) {
      throw ApiException.unprocessable(rewards.length + " rewards but " + rollouts.length + " rollout indices");
    }
    boolean[] seen = new boolean[groupSize];
    for (int x : rollouts) {
      if (x < 0 || x >= groupSize) {
        throw ApiException.unprocessable("rollout index " + x + " outside [0, " + groupSize + ")");
      }
      if (seen[x]) {
        throw ApiException.unprocessable("rollout index " + x + " appears twice");
      }
      seen[x] = true;
    }
  }

  private static void checkStep(long step) {
    if (step < 0 || step > MAX_STEP) {
      throw ApiException.unprocessable("step must be in [0, " + MAX_STEP + "], got " + step);
    }
  }

  /** Waits for the fsync that covers {@code position} (none: -1); a failure is 503, never an acknowledgement. */
  private void sync(long position) {
    if (position < 0) {
      return;
    }
    try {
      journal.sync(position);
    } catch (IOException e) {
      throw journalFailed(e);
    }
  }

  // ---------------------------------------------------------------- checkpoints

  /** Writes the whole state atomically to the state dir; returns the file name. */
  String checkpoint() throws IOException {
    if (stateDir == null) {
      throw ApiException.conflict("the server runs without --state-dir: nothing to checkpoint to");
    }
    synchronized (lock) {
      checkJournal();
      Path file = checkpointFiles.file(seq);
      if (seq == lastCheckpointSeq && Files.exists(file)) {
        return file.getFileName().toString();
      }
      ByteArrayOutputStream samplerState = new ByteArrayOutputStream();
      sampler.saveState(samplerState);
      byte[] content = CheckpointCodec.encode(new CheckpointCodec.Snapshot(seq, config, groupSize, ledger.steps(),
          ledger.groups(), ledger.counters(), samplerState.toByteArray()));
      try {
        checkpointFiles.write(seq, content);
      } catch (IOException e) {
        // the state is unchanged and the journal still holds everything: only this checkpoint is lost
        LOG.warn("checkpoint {} could not be written: {}", file.getFileName(), e.toString());
        throw new ApiException(503, "unavailable", "the checkpoint could not be written (" + e.getMessage()
            + "); nothing changed and the journal holds every acknowledged change");
      }
      lastCheckpointSeq = seq;
      checkpoints++;
      try {
        journal.roll(seq + 1); // syncs the old segment: every record so far is on disk
      } catch (IOException e) {
        throw journalFailed(e);
      }
      picksEnd = 0;
      try {
        checkpointFiles.prune();
      } catch (IOException e) {
        // the checkpoint is written and the journal rolled: only old files stay behind (the next one tries again)
        LOG.warn("checkpoint {} written, but removing older checkpoints and journal segments failed: {}",
            file.getFileName(), e.toString());
      }
      LOG.info("checkpoint {} written ({} bytes)", file.getFileName(), content.length);
      return file.getFileName().toString();
    }
  }

  private void readCheckpoint(Path file) throws IOException {
    CheckpointCodec.Snapshot c = CheckpointCodec.decode(Files.readAllBytes(file));
    List<String> diff = config.differencesFrom(c.config());
    if (!diff.isEmpty()) {
      throw new OtherOptions(String.join("; ", diff));
    }
    try {
      sampler.restoreState(new ByteArrayInputStream(c.samplerState())); // all-or-nothing; throws before we change anything
    } catch (IOException e) {
      throw new SamplerRefused(e);
    }
    ledger.restore(c.steps(), c.groups(), c.counters());
    seq = c.seq();
  }

  // ---------------------------------------------------------------- metrics

  /** Prometheus text exposition. */
  String metrics() {
    SamplerMetrics m = sampler.metrics();
    PrometheusText t = new PrometheusText();
    synchronized (lock) {
      Ledger.Counters c = ledger.counters();
      // accepted, stale and completed are the state's (restored by checkpoints and the journal);
      // requests, duplicates and rejections are this process's (they are not journaled)
      t.counter("goldilocks_pick_requests_total", "POST /v1/picks requests answered by this process", pickRequests);
      t.counter("goldilocks_picks_total", "questions handed out", m.selections());
      t.family("goldilocks_feedback_total", "reward items by outcome (accepted and stale: the run's; duplicate and "
          + "rejected: this process's)", "counter");
      t.sample("goldilocks_feedback_total{status=\"accepted\"}", c.acceptedParts());
      t.sample("goldilocks_feedback_total{status=\"duplicate\"}", duplicateParts);
      t.sample("goldilocks_feedback_total{status=\"stale\"}", c.staleGroups());
      t.sample("goldilocks_feedback_total{status=\"rejected\"}", rejectedItems);
      t.counter("goldilocks_groups_completed_total", "reward groups completed and passed to the teacher",
          c.completedGroups());
      t.gauge("goldilocks_latest_step", "newest step with picks", ledger.latestStep());
      t.gauge("goldilocks_journal_sequence", "last journal record", seq);
      t.counter("goldilocks_checkpoints_total", "checkpoints written by this process", checkpoints);
      t.counter("goldilocks_journal_fsyncs_total", "journal fsyncs by this process (each covers every request "
          + "waiting for it: requests / fsyncs is the group commit's width)", journal == null ? 0 : journal.fsyncs());
    }
    long updates = teacher == null ? 0 : teacher.updates.get();
    t.counter("goldilocks_teacher_updates_total", "teacher updates", updates);
    t.counter("goldilocks_teacher_failures_total", "teacher updates that failed", m.teacherFailures());
    t.gauge("goldilocks_teacher_lag_samples", "accepted samples the teacher serving picks has not trained on yet",
        m.teacherLagSamples());
    t.counter("goldilocks_teacher_updates_merged_total", "due teacher updates merged into one already queued",
        m.teacherUpdatesMerged());
    t.family("goldilocks_teacher_update_seconds", "time spent in teacher updates", "summary");
    t.sample("goldilocks_teacher_update_seconds_sum", teacher == null ? 0 : teacher.nanos.get() / 1e9);
    t.sample("goldilocks_teacher_update_seconds_count", updates);
    t.gauge("goldilocks_zero_variance_fraction", "share of accepted groups with equal rewards", m.zeroVarianceFraction());
    t.gauge("goldilocks_teacher_mae_unseen", "teacher MAE on samples before training on them", m.teacherMaeUnseen());
    t.gauge("goldilocks_pool_questions", "questions in the pool", pool.size());
    return t.toString();
  }

  @Override
  public void close() throws IOException {
    sampler.close();
    synchronized (lock) {
      if (journal != null) {
        journal.close();
      }
    }
  }
}
