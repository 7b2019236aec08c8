import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.*;

/**
 * Alternates short chunks of two builds in one JVM, each in its own class loader, so that a load
 * that comes and goes hits both alike: teacher updates (window 4096, 3 epochs), the synchronous
 * batch loop (next(256) and 256 feedbacks, 4 batches a chunk) and perf's K = 16 loop (20,000 next(1)
 * with background updates). Prints one JSON object: per build the median, min and max over rounds,
 * and per round the ratio B / A. Both builds do the same work when their numbers are the same:
 * syncSamplerStatesEqual compares the synchronous samplers' saved states at the end.
 *
 * <p>Usage: Driver questions rounds buildA buildB (a build: a folder with lib/*.jar, optionally followed by
 * {@code @later=512,epochs=2}: how its teacher trains).
 */
public class Driver {
  public static void main(String[] a) throws Exception {
    int n = Integer.parseInt(a[0]);
    int rounds = Integer.parseInt(a[1]);
    String[] dirs = {a[2], a[3]};
    Class<?>[] w = new Class<?>[2];
    for (int v = 0; v < 2; v++) {
      List<URL> urls = new ArrayList<>();
      urls.add(new File(System.getProperty("perfab.worker")).toURI().toURL());
      // BUILD@later=512,epochs=2: that build's teacher trains so (Worker.setup reads perfab.teacher)
      String[] spec = dirs[v].split("@", 2);
      for (File f : new File(spec[0], "lib").listFiles()) urls.add(f.toURI().toURL());
      ClassLoader cl = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
      w[v] = Class.forName("Worker", true, cl);
      System.setProperty("perfab.teacher", spec.length > 1 ? spec[1] : "");
      w[v].getMethod("setup", int.class).invoke(null, n);
    }
    String[] names = {"A", "B"};
    Map<String, List<Double>> res = new TreeMap<>();
    for (int r = -1; r < rounds; r++) { // round -1 warms up
      for (int vv = 0; vv < 2; vv++) {
        int v = (r & 1) == 0 ? vv : 1 - vv; // alternate who goes first
        long tr = (Long) w[v].getMethod("train", int.class).invoke(null, 10);
        long lp = (Long) w[v].getMethod("loop", int.class).invoke(null, 4);
        long[] nx = (long[]) w[v].getMethod("next1", int.class).invoke(null, 20000);
        if (r < 0) continue;
        add(res, names[v] + ".updateMs", tr / 10 / 1e6);
        add(res, names[v] + ".syncLoopSelPerSec", 4 * 256 / (lp / 1e9));
        add(res, names[v] + ".K16SelPerSec", 20000 / (nx[0] / 1e9));
        add(res, names[v] + ".K16p50us", nx[1] / 1e3);
        add(res, names[v] + ".K16p99us", nx[2] / 1e3);
      }
    }
    for (String k : List.of("updateMs", "syncLoopSelPerSec", "K16SelPerSec", "K16p50us", "K16p99us")) {
      List<Double> A = res.get("A." + k), B = res.get("B." + k);
      for (int i = 0; i < A.size(); i++) add(res, "ratioBA." + k, B.get(i) / A.get(i));
    }
    long fa = (Long) w[0].getMethod("fingerprint").invoke(null);
    long fb = (Long) w[1].getMethod("fingerprint").invoke(null);
    StringBuilder sb = new StringBuilder("{\"questions\": " + n + ", \"rounds\": " + rounds + ", \"syncSamplerStatesEqual\": " + (fa == fb));
    for (var e : res.entrySet()) {
      List<Double> l = new ArrayList<>(e.getValue());
      Collections.sort(l);
      sb.append(String.format(", \"%s\": {\"median\": %.3f, \"min\": %.3f, \"max\": %.3f}", e.getKey(), l.get(l.size() / 2), l.get(0), l.get(l.size() - 1)));
    }
    System.out.println(sb.append("}"));
  }
  static void add(Map<String, List<Double>> m, String k, double v) { m.computeIfAbsent(k, x -> new ArrayList<>()).add(v); }
}
