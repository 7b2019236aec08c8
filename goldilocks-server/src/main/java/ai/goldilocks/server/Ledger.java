package ai.goldilocks.server;

import ai.goldilocks.core.FeedbackStatus;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.Selection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The picks of each kept step and the reward groups being assembled, with their rules: a step is
 * picked once and then answered alike; a group completes when all G rollouts have arrived, in any
 * parts, and goes to the sampler once; a rollout already received is a duplicate with the same
 * value and a conflict with another. Knows nothing of JSON, HTTP or files, and is not thread-safe:
 * the service calls it under its lock, in the order the journal records the changes.
 *
 * <p>A change comes in two halves so that the journal can sit between them: {@link #draw} and
 * {@link #stage} check and compute without changing the ledger; {@link #record} and {@link #apply}
 * change it (and, on replay, are the only calls made).
 */
final class Ledger {

  /** The picks of one step; {@code utilities[i]} is NaN where the sampler made no prediction. Immutable. */
  static final class Picks {
    private final long step;
    private final String[] ids;
    private final double[] utilities;
    private final Set<String> idSet;

    Picks(long step, String[] ids, double[] utilities) {
      this.step = step;
      this.ids = ids;
      this.utilities = utilities;
      this.idSet = new HashSet<>(Arrays.asList(ids));
    }

    long step() {
      return step;
    }

    int size() {
      return ids.length;
    }

    String id(int i) {
      return ids[i];
    }

    double utility(int i) {
      return utilities[i];
    }

    List<String> ids() {
      return List.of(ids);
    }

    boolean contains(String id) {
      return idSet.contains(id);
    }
  }

  /**
   * Rewards of some rollouts of one question's group: {@code rewards[k]} belongs to rollout
   * {@code rollouts[k]}. The one form a reward has between the request and the group.
   */
  record Part(String id, int[] rollouts, double[] rewards) {}

  record GroupKey(long step, String id) {}

  /** A group whose rewards arrive in parts. */
  static final class Group {
    final double[] rewards;
    final boolean[] got;
    int count;
    boolean done;

    Group(int g) {
      rewards = new double[g];
      got = new boolean[g];
    }
  }

  /** A request the rules refuse: {@link Kind#CONFLICT} with the state, or {@link Kind#INVALID} in itself. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    enum Kind { CONFLICT, INVALID }

    final Kind kind;

    Refused(Kind kind, String message) {
      super(message, null, false, false);
      this.kind = kind;
    }
  }

  /** What checking a request's parts against the ledger found; nothing is changed yet. */
  record Staged(List<Part> fresh, int duplicates, Map<Integer, String> refused) {}

  /** What applying parts did: groups completed, and of these the ones the sampler found stale. */
  record Applied(int completed, int stale) {}

  /** The counters a checkpoint keeps. */
  record Counters(long acceptedParts, long staleGroups, long completedGroups) {}

  private final Sampler sampler;
  private final int groupSize;
  private final int keepSteps;
  private final TreeMap<Long, Picks> steps = new TreeMap<>();
  private final Map<GroupKey, Group> groups = new HashMap<>();
  /** The groups of each step, so that dropping an old step does not scan every group. */
  private final Map<Long, List<GroupKey>> groupsOfStep = new HashMap<>();
  private long acceptedParts;
  private long staleGroups;
  private long completedGroups;

  Ledger(Sampler sampler, int groupSize, int keepSteps) {
    this.sampler = sampler;
    this.groupSize = groupSize;
    this.keepSteps = keepSteps;
  }

  int groupSize() {
    return groupSize;
  }

  /** The picks of {@code step}, or null if it was never picked or is no longer kept. */
  Picks picks(long step) {
    return steps.get(step);
  }

  /** The newest picked step, or -1. */
  long latestStep() {
    return steps.isEmpty() ? -1 : steps.lastKey();
  }

  /**
   * Draws the picks of a new step from the sampler (which counts them as handed out); the ledger
   * is unchanged until {@link #record}.
   *
   * @throws Refused if the step is older than the oldest kept or too far ahead of the newest
   */
  Picks draw(long step, int n) {
    if (steps.size() >= keepSteps && step < steps.firstKey()) {
      throw new Refused(Refused.Kind.CONFLICT, "step " + step + " is older than the oldest step the server keeps ("
          + steps.firstKey() + "); the server keeps the last " + keepSteps + " steps");
    }
    if (!steps.isEmpty() && step > steps.lastKey() + keepSteps) {
      throw new Refused(Refused.Kind.INVALID, "step " + step + " is more than " + keepSteps + " steps (--keep-steps) "
          + "ahead of the newest step " + steps.lastKey() + "; a trainer's steps grow one at a time: check its step counter");
    }
    List<Selection> sel = sampler.next(n);
    String[] ids = new String[n];
    double[] u = new double[n];
    for (int i = 0; i < n; i++) {
      ids[i] = sel.get(i).question().id();
      u[i] = sel.get(i).hasPrediction() ? sel.get(i).predictedUtility() : Double.NaN;
    }
    return new Picks(step, ids, u);
  }

  /** Keeps a step's picks (drawn, or replayed from the journal after the sampler was told). */
  void record(Picks p) {
    steps.put(p.step(), p);
    while (steps.size() > keepSteps) {
      long old = steps.firstKey();
      steps.remove(old);
      List<GroupKey> gone = groupsOfStep.remove(old);
      if (gone != null) {
        gone.forEach(groups::remove);
      }
    }
  }

  /** Replays a journaled step's picks: the sampler marks them handed out, then the ledger keeps them. */
  void replay(Picks p) {
    sampler.markHandedOut(p.ids());
    record(p);
  }

  /**
   * Checks {@code parts} (already valid in themselves: known ids, rollouts in range, rewards in
   * range) against the ledger and against each other, in order, without changing anything. A part
   * whose rollouts all arrived before with the same values is a duplicate; one with another value
   * for an arrived rollout, for a question not picked at the step, or for a step without picks is
   * refused (by its position in {@code parts}); the rest of each part is fresh.
   */
  Staged stage(long step, List<Part> parts) {
    Picks picked = steps.get(step);
    Map<GroupKey, Map<Integer, Double>> staged = new HashMap<>();
    List<Part> fresh = new ArrayList<>(parts.size());
    Map<Integer, String> refused = new TreeMap<>();
    int duplicates = 0;
    for (int i = 0; i < parts.size(); i++) {
      Part part = parts.get(i);
      if (picked == null) {
        refused.put(i, "step " + step + " has no picks on this server (kept: "
            + (steps.isEmpty() ? "none" : steps.firstKey() + ".." + steps.lastKey()) + ")");
        continue;
      }
      if (!picked.contains(part.id())) {
        refused.put(i, "question '" + Quote.of(part.id()) + "' was not handed out at step " + step);
        continue;
      }
      GroupKey key = new GroupKey(step, part.id());
      Group have = groups.get(key);
      Map<Integer, Double> st = staged.get(key);
      int[] keep = new int[part.rollouts().length];
      int kept = 0;
      String conflict = null;
      for (int k = 0; k < part.rollouts().length && conflict == null; k++) {
        int ro = part.rollouts()[k];
        Double prior = have != null && have.got[ro] ? Double.valueOf(have.rewards[ro]) : st == null ? null : st.get(ro);
        if (prior == null) {
          keep[kept++] = k;
        } else if (prior != part.rewards()[k]) {
          conflict = "rollout " + ro + " of '" + Quote.of(part.id()) + "' at step " + step
              + (have != null && have.done ? " (a completed group)" : "") + " already has reward " + prior + ", not "
              + part.rewards()[k];
        }
      }
      if (conflict != null) {
        refused.put(i, conflict);
        continue;
      }
      if (kept == 0) {
        duplicates++;
        continue;
      }
      int[] ro = new int[kept];
      double[] rw = new double[kept];
      Map<Integer, Double> into = staged.computeIfAbsent(key, x -> new HashMap<>());
      for (int j = 0; j < kept; j++) {
        ro[j] = part.rollouts()[keep[j]];
        rw[j] = part.rewards()[keep[j]];
        into.put(ro[j], rw[j]);
      }
      fresh.add(kept == part.rollouts().length ? part : new Part(part.id(), ro, rw));
    }
    return new Staged(fresh, duplicates, refused);
  }

  /** Adds fresh parts (from {@link #stage}, or replayed) to their groups; a group complete with them goes to the sampler. */
  Applied apply(long step, List<Part> parts) {
    int completed = 0;
    int stale = 0;
    for (Part part : parts) {
      FeedbackStatus s = add(step, part);
      if (s != null) {
        completed++;
        if (s == FeedbackStatus.IGNORED_STALE) {
          stale++;
        }
      }
    }
    return new Applied(completed, stale);
  }

  private FeedbackStatus add(long step, Part part) {
    GroupKey key = new GroupKey(step, part.id());
    Group g = groups.get(key);
    if (g == null) {
      g = new Group(groupSize);
      groups.put(key, g);
      groupsOfStep.computeIfAbsent(step, x -> new ArrayList<>()).add(key);
    }
    for (int k = 0; k < part.rollouts().length; k++) {
      int ro = part.rollouts()[k];
      if (!g.got[ro]) {
        g.got[ro] = true;
        g.rewards[ro] = part.rewards()[k];
        g.count++;
      }
    }
    acceptedParts++;
    if (g.count < groupSize || g.done) {
      return null;
    }
    g.done = true;
    completedGroups++;
    FeedbackStatus s = sampler.feedback(new RolloutFeedback(part.id(), g.rewards.clone(), step));
    if (s == FeedbackStatus.IGNORED_STALE) {
      staleGroups++;
    }
    return s;
  }

  Counters counters() {
    return new Counters(acceptedParts, staleGroups, completedGroups);
  }

  /** The kept steps and groups, for a checkpoint (copies of the maps; the values are shared). */
  TreeMap<Long, Picks> steps() {
    return new TreeMap<>(steps);
  }

  Map<GroupKey, Group> groups() {
    return new HashMap<>(groups);
  }

  /** Replaces everything with a checkpoint's content (the sampler restores its own state separately). */
  void restore(Map<Long, Picks> s, Map<GroupKey, Group> g, Counters c) {
    steps.clear();
    steps.putAll(s);
    groups.clear();
    groups.putAll(g);
    groupsOfStep.clear();
    for (GroupKey k : g.keySet()) {
      groupsOfStep.computeIfAbsent(k.step(), x -> new ArrayList<>()).add(k);
    }
    acceptedParts = c.acceptedParts();
    staleGroups = c.staleGroups();
    completedGroups = c.completedGroups();
  }
}
