package ai.goldilocks.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's results in words and numbers: each arm's headline numbers for a seed, their
 * mean over seeds, a seed's results read back from its folder, and the table printed without
 * {@code --json}.
 */
final class BenchmarkSummary {
  private BenchmarkSummary() {}

  /** Each arm's headline numbers for one seed, the updates it needed to reach uniform's final and best values included. */
  static Map<String, Object> arms(Map<String, ArmRun.Result> results) {
    Double uniformFinal = results.containsKey("uniform") ? results.get("uniform").finalAccuracy : null;
    Double uniformBest = null;
    if (results.containsKey("uniform")) {
      uniformBest = Double.NEGATIVE_INFINITY;
      for (double[] row : results.get("uniform").accuracy) {
        uniformBest = Math.max(uniformBest, row[1]);
      }
    }
    Map<String, Object> armsOut = new LinkedHashMap<>();
    for (Map.Entry<String, ArmRun.Result> e : results.entrySet()) {
      ArmRun.Result r = e.getValue();
      Map<String, Object> m = new LinkedHashMap<>();
      Map<String, Object> first = r.firstEvaluation;
      Map<String, Object> last = r.finalEvaluation;
      m.put("initialMeanP", first.get("meanP"));
      m.put("finalMeanP", last.get("meanP"));
      m.put("finalHardMeanP", last.get("hardMeanP"));
      m.put("finalMeanPByBand", last.get("meanPByBand"));
      m.put("easyBandFinal", last.get("easyBandMin"));
      m.put("initialGreedy", first.get("greedyAccuracy"));
      m.put("finalGreedy", last.get("greedyAccuracy"));
      m.put("initialMeanAt8", first.get("meanAt8"));
      m.put("finalMeanAt8", last.get("meanAt8"));
      m.put("zeroVarianceFraction", Json.round(r.zeroVarianceFraction, 4));
      m.put("updates", r.updates);
      m.put("rolloutsSpent", r.rollouts);
      m.put("updatesToReachUniformFinal", uniformFinal == null ? null : r.updatesToReach(uniformFinal));
      // uniform's best evaluation (the warm start included): not trivial when uniform ends below its start
      m.put("updatesToReachUniformBest", uniformBest == null ? null : r.updatesToReach(uniformBest));
      m.put("skippedSteps", r.skippedSteps);
      m.put("meanTrainingReward", Json.round(r.meanReward, 4));
      m.put("teacherMaeUnseen", Json.round(r.teacherMae, 4));
      m.put("upperBound", BenchmarkArms.kind(e.getKey()).upperBound());
      m.put("seconds", Json.round(r.seconds, 1));
      armsOut.put(e.getKey(), m);
    }
    return armsOut;
  }

  /** Each arm's headline numbers over the seeds: the value of each seed and their mean (null unless every seed has one). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> aggregate(Map<String, Object> perSeed, List<String> chosen) {
    Map<String, Object> out = new LinkedHashMap<>();
    String[] fields = {"initialMeanP", "finalMeanP", "finalHardMeanP", "easyBandFinal", "finalGreedy", "finalMeanAt8",
        "zeroVarianceFraction", "updates", "updatesToReachUniformFinal", "updatesToReachUniformBest"};
    for (String arm : chosen) {
      Map<String, Object> a = new LinkedHashMap<>();
      for (String f : fields) {
        List<Object> values = new ArrayList<>();
        double sum = 0;
        int n = 0;
        for (Object s : perSeed.values()) {
          Object v = ((Map<String, Map<String, Object>>) ((Map<String, Object>) s).get("arms")).get(arm).get(f);
          values.add(v);
          if (v instanceof Number num) {
            sum += num.doubleValue();
            n++;
          }
        }
        Map<String, Object> stat = new LinkedHashMap<>();
        stat.put("perSeed", values);
        stat.put("mean", n == values.size() && n > 0 ? Json.round(sum / n, 5) : null);
        a.put(f, stat);
      }
      out.put(arm, a);
    }
    return out;
  }

  /** A seed's summary and evaluation curves as a finished run wrote them. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> readSeed(Path dir, List<String> chosen, Map<String, ArmRun.Result> results) throws IOException {
    Map<String, Object> summary = Json.GSON.fromJson(Files.readString(dir.resolve("summary.json")), LinkedHashMap.class);
    Map<String, Object> armsOut = (Map<String, Object>) summary.get("arms");
    for (String arm : chosen) {
      Map<String, Object> a = (Map<String, Object>) armsOut.get(arm);
      if (a == null) {
        throw new IOException(dir.resolve("summary.json") + " has no arm '" + arm + "'");
      }
      ArmRun.Result r = new ArmRun.Result();
      for (String line : Files.readAllLines(dir.resolve(arm).resolve("validation.jsonl"))) {
        Map<String, Object> row = Json.GSON.fromJson(line, Map.class);
        r.accuracy.add(new double[] {((Number) row.get("updates")).doubleValue(), ((Number) row.get("value")).doubleValue(),
            ((Number) row.get("rollouts")).doubleValue()});
      }
      r.finalAccuracy = r.accuracy.get(r.accuracy.size() - 1)[1];
      r.updates = ((Number) a.get("updates")).longValue();
      results.put(arm, r);
    }
    return summary;
  }

  /** The headline numbers of every seed and arm as a table on standard output. */
  static void print(Map<String, Object> perSeed) {
    System.out.printf("%-6s %-15s %8s %8s %8s %8s %8s %9s %8s %10s%n", "seed", "arm", "meanP0", "meanP", "hardP", "easyP", "greedy",
        "zeroVar", "updates", "toUniform");
    for (var s : perSeed.entrySet()) {
      @SuppressWarnings("unchecked")
      Map<String, Map<String, Object>> armsOut = (Map<String, Map<String, Object>>) ((Map<String, Object>) s.getValue()).get("arms");
      for (var e : armsOut.entrySet()) {
        Map<String, Object> m = e.getValue();
        System.out.printf("%-6s %-15s %8s %8s %8s %8s %8s %9s %8s %10s%n", s.getKey(), e.getKey(), m.get("initialMeanP"),
            m.get("finalMeanP"), m.get("finalHardMeanP"), m.get("easyBandFinal"), m.get("finalGreedy"), m.get("zeroVarianceFraction"),
            m.get("updates"), m.get("updatesToReachUniformFinal"));
      }
    }
  }
}
