package ai.goldilocks.server;

import ai.goldilocks.core.FeedbackStatus;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.SamplerMetrics;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's state and rules, without HTTP: picks per step (idempotent), reward groups that may
 * arrive in parts, the journal and checkpoints. Thread-safe: one lock orders every change, and
 * each change is journaled before it is acknowledged.
 */
final class TeacherService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TeacherService.class);
  /** The largest step: a step counter beyond 2^31 - 1 is a trainer's bug, not a long run. */
  static final long MAX_STEP = Integer.MAX_VALUE;
  /** Integers beyond 2^53 lose digits as JSON numbers (doubles). */
  static final long MAX_SAFE_INTEGER = 1L << 53;
  private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d{12})\\.bin");
  private static final int KEEP_CHECKPOINTS = 2;

  /** The picks of one step. */
  static final class Issued {
    final String[] ids;
    final double[] utilities;
    /** The JSON answer, built on the first request after the picks (every rank asks for the same step). */
    volatile String answer;

    Issued(String[] ids, double[] utilities) {
      this.ids = ids;
      this.utilities = utilities;
    }
  }

  record GroupKey(long step, String id) {}

  /** A group whose rewards arrive in parts. */
  static final class Partial {
    final double[] rewards;
    final boolean[] got;
    int count;
    boolean done;

    Partial(int g) {
      rewards = new double[g];
      got = new boolean[g];
    }
  }

  private final QuestionPool pool;
  private final GoldilocksSampler sampler;
  private final TimedPredictor teacher;
  private final int groupSize;
  private final int keepSteps;
  private final int checkpointEvery;
  private final double rewardLow;
  private final double rewardHigh;
  private final Path stateDir;
  private final RunConfig config;
  private final Disk disk;

  private final Object lock = new Object();
  private final TreeMap<Long, Issued> steps = new TreeMap<>();
  private final Map<GroupKey, Partial> groups = new HashMap<>();
  /** The groups of each step, so that dropping an old step does not scan every group. */
  private final Map<Long, List<GroupKey>> groupsOfStep = new HashMap<>();
  private Journal journal;
  private long seq;
  private long lastCheckpointSeq = -1;
  // counters
  private long pickRequests;
  private long acceptedParts;
  private long duplicateParts;
  private long staleGroups;
  private long rejectedItems;
  private long completedGroups;
  private long checkpoints;

  TeacherService(QuestionPool pool, GoldilocksSampler sampler, TimedPredictor teacher, int groupSize, int keepSteps,
      int checkpointEvery, Path stateDir, RunConfig config, Disk disk) {
    this.pool = pool;
    this.sampler = sampler;
    this.teacher = teacher;
    this.groupSize = groupSize;
    this.keepSteps = keepSteps;
    this.checkpointEvery = checkpointEvery;
    this.rewardLow = config.rewardLow();
    this.rewardHigh = config.rewardHigh();
    this.stateDir = stateDir;
    this.config = config;
    this.disk = disk;
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
    Files.createDirectories(stateDir);
    synchronized (lock) {
      removeLeftovers();
      List<Long> found = checkpointSeqs();
      long restored = 0;
      for (int i = found.size() - 1; i >= 0; i--) {
        Path file = checkpointFile(found.get(i));
        try {
          readCheckpoint(file);
          restored = found.get(i);
          LOG.info("restored {} (journal sequence {})", file.getFileName(), restored);
          break;
        } catch (OtherOptions e) {
          throw new IOException(file + " was written with other options: " + e.getMessage()
              + ". Restart with the options the state was written with, or use a fresh --state-dir for a new run");
        } catch (IOException | RuntimeException e) {
          LOG.warn("checkpoint {} is not usable ({}); trying an older one", file.getFileName(), e.getMessage());
        }
      }
      if (restored == 0 && !found.isEmpty() && !Journal.segments(stateDir).contains(1L)) {
        throw new IOException("no usable checkpoint in " + stateDir + " and the journal does not start at sequence 1: "
            + "state cannot be rebuilt; move the directory away to start afresh");
      }
      seq = restored;
      lastCheckpointSeq = restored;
      long before = seq;
      seq = Journal.replay(stateDir, restored, config, this::replay);
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

  /** Temporary files of writes a crash or a full disk interrupted: never renamed, so never used. */
  private void removeLeftovers() throws IOException {
    try (Stream<Path> files = Files.list(stateDir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (name.endsWith(".tmp") && name.startsWith("checkpoint-")) {
          LOG.warn("removing {}: a checkpoint whose writing was interrupted", name);
          Files.deleteIfExists(p);
        }
      }
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

  private void replay(JsonObject rec) {
    String type = rec.get("type").getAsString();
    long step = rec.get("step").getAsLong();
    switch (type) {
      case "picks" -> {
        JsonArray ids = rec.getAsJsonArray("ids");
        JsonArray u = rec.getAsJsonArray("u");
        String[] idArr = new String[ids.size()];
        double[] uArr = new double[ids.size()];
        for (int i = 0; i < idArr.length; i++) {
          idArr[i] = ids.get(i).getAsString();
          uArr[i] = u.get(i).getAsDouble();
        }
        sampler.markHandedOut(Arrays.asList(idArr));
        steps.put(step, new Issued(idArr, uArr));
        trimSteps();
      }
      case "rewards" -> {
        for (JsonElement e : rec.getAsJsonArray("parts")) {
          JsonObject part = e.getAsJsonObject();
          applyPart(step, part.get("id").getAsString(), ints(part.getAsJsonArray("rollouts")),
              doubles(part.getAsJsonArray("rewards")));
        }
      }
      default -> throw new IllegalStateException("unknown journal record type " + type);
    }
    seq = rec.get("seq").getAsLong();
  }

  // ---------------------------------------------------------------- picks

  /** The picks of {@code step} as the JSON answer: the same for every caller, also after a restart. */
  String picks(long step, long n) throws IOException {
    checkStep(step);
    if (n < 1 || n > pool.size()) {
      throw ApiException.unprocessable("n must be in [1, " + pool.size() + "] (the pool's size), got " + n);
    }
    long position = -1;
    Issued issued;
    boolean checkpointNow = false;
    synchronized (lock) {
      checkJournal();
      issued = steps.get(step);
      if (issued != null) {
        if (issued.ids.length != n) {
          throw ApiException.conflict("step " + step + " was already picked with n = " + issued.ids.length + ", not " + n);
        }
        pickRequests++;
      } else {
        if (steps.size() >= keepSteps && step < steps.firstKey()) {
          throw ApiException.conflict("step " + step + " is older than the oldest step the server keeps (" + steps.firstKey()
              + "); the server keeps the last " + keepSteps + " steps");
        }
        if (!steps.isEmpty() && step > steps.lastKey() + keepSteps) {
          throw ApiException.unprocessable("step " + step + " is more than " + keepSteps + " steps (--keep-steps) ahead of "
              + "the newest step " + steps.lastKey() + "; a trainer's steps grow one at a time: check its step counter");
        }
        int count = (int) n;
        List<Selection> sel = sampler.next(count);
        String[] ids = new String[count];
        double[] u = new double[count];
        for (int i = 0; i < count; i++) {
          ids[i] = sel.get(i).question().id();
          u[i] = sel.get(i).hasPrediction() ? sel.get(i).predictedUtility() : Double.NaN;
        }
        issued = new Issued(ids, u);
        if (journal != null) {
          // journaled first: a failed write leaves the steps, the counters and the sequence as they were
          JsonObject rec = new JsonObject();
          rec.addProperty("seq", seq + 1);
          rec.addProperty("type", "picks");
          rec.addProperty("step", step);
          JsonArray ja = new JsonArray();
          JsonArray ua = new JsonArray();
          for (int i = 0; i < n; i++) {
            ja.add(ids[i]);
            ua.add(Double.isNaN(u[i]) ? 0.0 : u[i]);
          }
          rec.add("ids", ja);
          rec.add("u", ua);
          try {
            position = journal.append(rec);
          } catch (IOException e) {
            throw journalFailed(e);
          }
          seq++;
          checkpointNow = checkpointEvery > 0 && step > 0 && step % checkpointEvery == 0;
        }
        steps.put(step, issued);
        trimSteps();
        pickRequests++;
      }
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
    String answer = issued.answer;
    if (answer == null) {
      JsonObject out = new JsonObject();
      out.addProperty("step", step);
      JsonArray arr = new JsonArray();
      for (int i = 0; i < issued.ids.length; i++) {
        JsonObject p = new JsonObject();
        p.addProperty("id", issued.ids[i]);
        p.addProperty("text", pool.text(pool.requireIndex(issued.ids[i])));
        if (!Double.isNaN(issued.utilities[i])) {
          p.addProperty("predictedUtility", issued.utilities[i]);
        }
        arr.add(p);
      }
      out.add("picks", arr);
      answer = out.toString();
      issued.answer = answer;
    }
    return answer;
  }

  private void trimSteps() {
    while (steps.size() > keepSteps) {
      long old = steps.firstKey();
      steps.remove(old);
      List<GroupKey> gone = groupsOfStep.remove(old);
      if (gone != null) {
        gone.forEach(groups::remove);
      }
    }
  }

  // ---------------------------------------------------------------- rewards

  /** One reward item that passed the checks needing no state: its group part, in rollout order. */
  private record Item(int index, String id, double[] rewards, int[] rollouts) {}

  /** Accepts the rewards of whole groups or parts of groups; see the class documentation of {@link TeacherServer}. */
  JsonObject rewards(long step, JsonArray results) throws IOException {
    checkStep(step);
    // the checks that need no state run before the lock, so bad items do not hold up other requests
    TreeMap<Integer, JsonObject> rejections = new TreeMap<>();
    List<Item> items = new ArrayList<>(results.size());
    for (int i = 0; i < results.size(); i++) {
      String id = null;
      try {
        JsonObject item = results.get(i).isJsonObject() ? results.get(i).getAsJsonObject() : null;
        if (item == null) {
          throw ApiException.badRequest("item is not a JSON object");
        }
        id = string(item, "id");
        if (pool.indexOf(id) < 0) {
          throw ApiException.unprocessable("unknown question id '" + TeacherServer.echo(id) + "'");
        }
        items.add(new Item(i, id, rewardsOf(item), rolloutsOf(item)));
      } catch (ApiException e) {
        rejections.put(i, rejection(i, id, e));
      }
    }
    int accepted = 0;
    int duplicate = 0;
    int stale = 0;
    int completed = 0;
    long position = -1;
    synchronized (lock) {
      checkJournal();
      Issued issued = steps.get(step);
      Set<String> pickedNow = issued == null ? Set.of() : new HashSet<>(Arrays.asList(issued.ids));
      // check every item against the state plus the parts accepted earlier in this request
      Map<GroupKey, Map<Integer, Double>> staged = new LinkedHashMap<>();
      JsonArray parts = new JsonArray();
      for (Item it : items) {
        try {
          if (issued == null) {
            throw ApiException.unprocessable("step " + step + " has no picks on this server (kept: "
                + (steps.isEmpty() ? "none" : steps.firstKey() + ".." + steps.lastKey()) + ")");
          }
          if (!pickedNow.contains(it.id)) {
            throw ApiException.unprocessable("question '" + it.id + "' was not handed out at step " + step);
          }
          GroupKey key = new GroupKey(step, it.id);
          Partial have = groups.get(key);
          Map<Integer, Double> st = staged.get(key);
          List<Integer> fresh = new ArrayList<>();
          for (int k = 0; k < it.rewards.length; k++) {
            int ro = it.rollouts[k];
            Double prior = have != null && have.got[ro] ? Double.valueOf(have.rewards[ro]) : st == null ? null : st.get(ro);
            if (prior != null) {
              if (prior != it.rewards[k]) {
                throw ApiException.conflict("rollout " + ro + " of '" + it.id + "' at step " + step
                    + (have != null && have.done ? " (a completed group)" : "") + " already has reward " + prior
                    + ", not " + it.rewards[k]);
              }
            } else {
              fresh.add(k);
            }
          }
          if (fresh.isEmpty()) {
            duplicate++;
            continue;
          }
          Map<Integer, Double> into = staged.computeIfAbsent(key, x -> new HashMap<>());
          JsonArray pr = new JsonArray();
          JsonArray pv = new JsonArray();
          for (int k : fresh) {
            into.put(it.rollouts[k], it.rewards[k]);
            pr.add(it.rollouts[k]);
            pv.add(it.rewards[k]);
          }
          JsonObject part = new JsonObject();
          part.addProperty("id", it.id);
          part.add("rollouts", pr);
          part.add("rewards", pv);
          parts.add(part);
          accepted++;
        } catch (ApiException e) {
          rejections.put(it.index, rejection(it.index, it.id, e));
        }
      }
      if (!parts.isEmpty()) {
        if (journal != null) {
          // journaled first: a failed write changes nothing
          JsonObject rec = new JsonObject();
          rec.addProperty("seq", seq + 1);
          rec.addProperty("type", "rewards");
          rec.addProperty("step", step);
          rec.add("parts", parts);
          try {
            position = journal.append(rec);
          } catch (IOException e) {
            throw journalFailed(e);
          }
          seq++;
        }
        for (JsonElement e : parts) {
          JsonObject part = e.getAsJsonObject();
          FeedbackStatus s = applyPart(step, part.get("id").getAsString(), ints(part.getAsJsonArray("rollouts")),
              doubles(part.getAsJsonArray("rewards")));
          if (s != null) {
            completed++;
            if (s == FeedbackStatus.IGNORED_STALE) {
              stale++;
            }
          }
        }
      }
      rejectedItems += rejections.size();
      duplicateParts += duplicate;
    }
    sync(position);
    JsonObject out = new JsonObject();
    out.addProperty("step", step);
    out.addProperty("accepted", accepted);
    out.addProperty("duplicate", duplicate);
    out.addProperty("stale", stale);
    out.addProperty("completed", completed);
    JsonArray rejected = new JsonArray();
    rejections.values().forEach(rejected::add);
    out.add("rejected", rejected);
    return out;
  }

  private static JsonObject rejection(int index, String id, ApiException e) {
    JsonObject rj = new JsonObject();
    rj.addProperty("index", index);
    if (id != null) {
      rj.addProperty("id", TeacherServer.echo(id));
    }
    rj.addProperty("reason", e.getMessage());
    return rj;
  }

  private double[] rewardsOf(JsonObject item) {
    double[] r = doublesField(item, "rewards");
    for (int k = 0; k < r.length; k++) {
      if (!Double.isFinite(r[k]) || r[k] < rewardLow || r[k] > rewardHigh) {
        throw ApiException.unprocessable("reward[" + k + "] = " + r[k] + " is not a finite number in [" + rewardLow + ", "
            + rewardHigh + "]");
      }
    }
    if (r.length == 0) {
      throw ApiException.unprocessable("no rewards");
    }
    return r;
  }

  /** The rollout indices of an item's rewards: given, or 0..G-1 for a whole group. */
  private int[] rolloutsOf(JsonObject item) {
    int n = item.get("rewards").getAsJsonArray().size();
    int[] ro = item.has("rollouts") && !item.get("rollouts").isJsonNull() ? intsField(item, "rollouts") : null;
    if (ro == null) {
      if (n != groupSize) {
        throw ApiException.unprocessable(n + " rewards for a whole group of " + groupSize
            + " (send \"rollouts\" with the indices of a part)");
      }
      ro = new int[groupSize];
      for (int k = 0; k < groupSize; k++) {
        ro[k] = k;
      }
      return ro;
    }
    if (ro.length != n) {
      throw ApiException.unprocessable(n + " rewards but " + ro.length + " rollout indices");
    }
    boolean[] seen = new boolean[groupSize];
    for (int x : ro) {
      if (x < 0 || x >= groupSize) {
        throw ApiException.unprocessable("rollout index " + x + " outside [0, " + groupSize + ")");
      }
      if (seen[x]) {
        throw ApiException.unprocessable("rollout index " + x + " appears twice");
      }
      seen[x] = true;
    }
    return ro;
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

  /** Applies a validated part; returns the sampler's status when it completes the group, else null. */
  private FeedbackStatus applyPart(long step, String id, int[] rollouts, double[] rewards) {
    GroupKey key = new GroupKey(step, id);
    Partial p = groups.get(key);
    if (p == null) {
      p = new Partial(groupSize);
      groups.put(key, p);
      groupsOfStep.computeIfAbsent(step, x -> new ArrayList<>()).add(key);
    }
    for (int k = 0; k < rollouts.length; k++) {
      if (!p.got[rollouts[k]]) {
        p.got[rollouts[k]] = true;
        p.rewards[rollouts[k]] = rewards[k];
        p.count++;
      }
    }
    acceptedParts++;
    if (p.count < groupSize || p.done) {
      return null;
    }
    p.done = true;
    completedGroups++;
    FeedbackStatus s = sampler.feedback(new RolloutFeedback(id, p.rewards.clone(), step));
    if (s == FeedbackStatus.IGNORED_STALE) {
      staleGroups++;
    }
    return s;
  }

  // ---------------------------------------------------------------- checkpoints

  /** Writes the whole state atomically to the state dir; returns the file name. */
  String checkpoint() throws IOException {
    if (stateDir == null) {
      throw ApiException.conflict("the server runs without --state-dir: nothing to checkpoint to");
    }
    synchronized (lock) {
      checkJournal();
      if (seq == lastCheckpointSeq && Files.exists(checkpointFile(seq))) {
        return checkpointFile(seq).getFileName().toString();
      }
      ByteArrayOutputStream samplerState = new ByteArrayOutputStream();
      sampler.saveState(samplerState);
      byte[] content = CheckpointCodec.encode(new CheckpointCodec.Snapshot(seq, config, groupSize, steps, groups,
          acceptedParts, staleGroups, completedGroups, samplerState.toByteArray()));
      Path file = checkpointFile(seq);
      Path tmp = stateDir.resolve(file.getFileName() + ".tmp");
      try {
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
          disk.write(c, java.nio.ByteBuffer.wrap(content));
          disk.force(c, true);
        }
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } catch (IOException e) {
        // the state is unchanged and the journal still holds everything: only this checkpoint is lost
        Files.deleteIfExists(tmp);
        LOG.warn("checkpoint {} could not be written: {}", file.getFileName(), e.toString());
        throw new ApiException(503, "unavailable", "the checkpoint could not be written (" + e.getMessage()
            + "); nothing changed and the journal holds every acknowledged change");
      }
      Journal.fsyncDirectory(stateDir);
      lastCheckpointSeq = seq;
      checkpoints++;
      try {
        journal.roll(seq + 1);
      } catch (IOException e) {
        throw journalFailed(e);
      }
      prune();
      LOG.info("checkpoint {} written ({} bytes)", file.getFileName(), content.length);
      return file.getFileName().toString();
    }
  }

  /** Keeps the newest checkpoints and the journal segments the oldest of them still needs. */
  private void prune() throws IOException {
    List<Long> cps = checkpointSeqs();
    for (int i = 0; i < cps.size() - KEEP_CHECKPOINTS; i++) {
      Files.deleteIfExists(checkpointFile(cps.get(i)));
    }
    cps = checkpointSeqs();
    if (cps.isEmpty()) {
      return;
    }
    long oldest = cps.get(0);
    List<Long> segs = Journal.segments(stateDir);
    for (int i = 0; i + 1 < segs.size(); i++) {
      // segment i holds sequences [segs[i], segs[i+1]); drop it when the oldest checkpoint covers them all
      if (segs.get(i + 1) <= oldest + 1) {
        Files.deleteIfExists(Journal.segmentFile(stateDir, segs.get(i)));
      }
    }
  }

  private void readCheckpoint(Path file) throws IOException {
    CheckpointCodec.Snapshot c = CheckpointCodec.decode(Files.readAllBytes(file));
    List<String> diff = config.differencesFrom(c.config());
    if (!diff.isEmpty()) {
      throw new OtherOptions(String.join("; ", diff));
    }
    sampler.restoreState(new ByteArrayInputStream(c.samplerState())); // all-or-nothing; throws before we change anything
    steps.clear();
    steps.putAll(c.steps());
    groups.clear();
    groups.putAll(c.groups());
    groupsOfStep.clear();
    for (GroupKey k : c.groups().keySet()) {
      groupsOfStep.computeIfAbsent(k.step, x -> new ArrayList<>()).add(k);
    }
    acceptedParts = c.acceptedParts();
    staleGroups = c.staleGroups();
    completedGroups = c.completedGroups();
    seq = c.seq();
  }

  private List<Long> checkpointSeqs() throws IOException {
    List<Long> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(stateDir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Matcher m = CHECKPOINT.matcher(p.getFileName().toString());
        if (m.matches()) {
          out.add(Long.parseLong(m.group(1)));
        }
      }
    }
    out.sort(null);
    return out;
  }

  private Path checkpointFile(long s) {
    return stateDir.resolve(String.format("checkpoint-%012d.bin", s));
  }

  // ---------------------------------------------------------------- metrics

  /** Prometheus text exposition. */
  String metrics() {
    SamplerMetrics m = sampler.metrics();
    PrometheusText t = new PrometheusText();
    synchronized (lock) {
      // accepted, stale and completed are the state's (restored by checkpoints and the journal);
      // requests, duplicates and rejections are this process's (they are not journaled)
      t.counter("goldilocks_pick_requests_total", "POST /v1/picks requests answered by this process", pickRequests);
      t.counter("goldilocks_picks_total", "questions handed out", m.selections());
      t.family("goldilocks_feedback_total", "reward items by outcome (accepted and stale: the run's; duplicate and "
          + "rejected: this process's)", "counter");
      t.sample("goldilocks_feedback_total{status=\"accepted\"}", acceptedParts);
      t.sample("goldilocks_feedback_total{status=\"duplicate\"}", duplicateParts);
      t.sample("goldilocks_feedback_total{status=\"stale\"}", staleGroups);
      t.sample("goldilocks_feedback_total{status=\"rejected\"}", rejectedItems);
      t.counter("goldilocks_groups_completed_total", "reward groups completed and passed to the teacher", completedGroups);
      t.gauge("goldilocks_latest_step", "newest step with picks", steps.isEmpty() ? -1 : steps.lastKey());
      t.gauge("goldilocks_journal_sequence", "last journal record", seq);
      t.counter("goldilocks_checkpoints_total", "checkpoints written by this process", checkpoints);
    }
    t.counter("goldilocks_teacher_updates_total", "teacher updates", teacher.updates.get());
    t.counter("goldilocks_teacher_failures_total", "teacher updates that failed", m.teacherFailures());
    t.gauge("goldilocks_teacher_lag_samples", "accepted samples the teacher serving picks has not trained on yet",
        m.teacherLagSamples());
    t.counter("goldilocks_teacher_updates_merged_total", "due teacher updates merged into one already queued",
        m.teacherUpdatesMerged());
    t.family("goldilocks_teacher_update_seconds", "time spent in teacher updates", "summary");
    t.sample("goldilocks_teacher_update_seconds_sum", teacher.nanos.get() / 1e9);
    t.sample("goldilocks_teacher_update_seconds_count", teacher.updates.get());
    t.gauge("goldilocks_zero_variance_fraction", "share of accepted groups with equal rewards", m.zeroVarianceFraction());
    t.gauge("goldilocks_teacher_mae_unseen", "teacher MAE on samples before training on them", m.teacherMaeUnseen());
    t.gauge("goldilocks_pool_questions", "questions in the pool", pool.size());
    return t.toString();
  }

  // ---------------------------------------------------------------- JSON helpers

  static String string(JsonObject o, String field) {
    JsonElement e = o.get(field);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw ApiException.badRequest("\"" + field + "\" must be a string");
    }
    return e.getAsString();
  }

  static double[] doublesField(JsonObject o, String field) {
    JsonElement e = o.get(field);
    if (e == null || !e.isJsonArray()) {
      throw ApiException.badRequest("\"" + field + "\" must be an array of numbers");
    }
    JsonArray a = e.getAsJsonArray();
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      JsonElement x = a.get(i);
      if (x.isJsonPrimitive() && x.getAsJsonPrimitive().isNumber()) {
        out[i] = x.getAsDouble();
      } else if (x.isJsonPrimitive() && x.getAsJsonPrimitive().isString()
          && Set.of("NaN", "Infinity", "-Infinity").contains(x.getAsString())) {
        out[i] = Double.parseDouble(x.getAsString());
      } else {
        throw ApiException.badRequest("\"" + field + "\"[" + i + "] is not a number: " + x);
      }
    }
    return out;
  }

  static int[] intsField(JsonObject o, String field) {
    JsonElement e = o.get(field);
    if (e == null || !e.isJsonArray()) {
      throw ApiException.badRequest("\"" + field + "\" must be an array of integers");
    }
    JsonArray a = e.getAsJsonArray();
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      JsonElement x = a.get(i);
      if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()) {
        throw ApiException.badRequest("\"" + field + "\"[" + i + "] is not an integer: " + x);
      }
      double d = x.getAsDouble();
      if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
        throw ApiException.badRequest("\"" + field + "\"[" + i + "] is not an integer: " + x);
      }
      out[i] = (int) d;
    }
    return out;
  }

  private static int[] ints(JsonArray a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsInt();
    }
    return out;
  }

  private static double[] doubles(JsonArray a) {
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsDouble();
    }
    return out;
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
