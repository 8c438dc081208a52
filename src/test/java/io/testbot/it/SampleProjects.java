package io.testbot.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small RSpec projects the integration tests build in their temp dirs. */
final class SampleProjects {
    private SampleProjects() {}

    static void write(Path root, String path, String content) throws IOException {
        Files.createDirectories(root.resolve(path).getParent());
        Files.writeString(root.resolve(path), content);
    }

    /** 6 examples: 1 failure (./spec/failing_spec.rb:5), 1 pending, and a spec that prints where it runs. */
    static Path mixed(Path root) throws IOException {
        write(root, "spec/passing_spec.rb", """
                RSpec.describe "Passing" do
                  it("one") { expect(1 + 1).to eq(2) }
                  it("two") { expect("a" * 2).to eq("aa") }
                end
                """);
        write(root, "spec/failing_spec.rb", """
                RSpec.describe "Failing" do
                  it "passes first" do
                    expect(true).to be(true)
                  end
                  it "adds wrongly" do
                    expect(1 + 1).to eq(3)
                  end
                end
                """);
        write(root, "spec/pending_spec.rb", """
                RSpec.describe "Pending" do
                  it "is not written yet"
                end
                """);
        write(root, "spec/where_spec.rb", """
                RSpec.describe "Where" do
                  it "prints where it runs" do
                    puts "WHERE file=#{File.expand_path(__FILE__)} env=[#{ENV['TEST_ENV_NUMBER']}] instances=#{ENV['TEST_INSTANCES']} rails=#{ENV['RAILS_ENV']}"
                  end
                end
                """);
        return root;
    }

    /** n passing spec files. */
    static Path passing(Path root, int n) throws IOException {
        for (int i = 1; i <= n; i++) {
            write(root, "spec/ok_" + i + "_spec.rb", "RSpec.describe('Ok " + i + "') { it('works') { expect(" + i + ").to eq(" + i + ") } }\n");
        }
        return root;
    }

    /**
     * Two specs that each wait for the other to have started: they pass only when they run at the same time,
     * which with one instance per runner means on two runners.
     */
    static Path barrier(Path root, Path meetingPoint) throws IOException {
        for (String[] pair : new String[][]{{"left", "right"}, {"right", "left"}}) {
            write(root, "spec/barrier_" + pair[0] + "_spec.rb", """
                    RSpec.describe "Barrier %1$s" do
                      it "meets %2$s" do
                        File.write("%3$s/%1$s", "here")
                        deadline = Time.now + 90
                        sleep 0.05 until File.exist?("%3$s/%2$s") || Time.now > deadline
                        expect(File.exist?("%3$s/%2$s")).to be(true)
                      end
                    end
                    """.formatted(pair[0], pair[1], meetingPoint));
        }
        return root;
    }

    /** Spec files that each write their rspec process's pid to pids/long_N.pid and then sleep for ten minutes. */
    static Path longRunning(Path root, Path pids, int files) throws IOException {
        for (int i = 1; i <= files; i++) {
            write(root, "spec/long_" + i + "_spec.rb", """
                    RSpec.describe "Long %1$d" do
                      it("waits") { File.write("%2$s/long_%1$d.pid", Process.pid.to_s); sleep 600 }
                    end
                    """.formatted(i, pids));
        }
        return root;
    }

    /**
     * spec/blocked_spec.rb: writes pids/blocked-PID, then waits until the file release exists. It is padded to be
     * the project's largest file, so with no history it is the first job handed out.
     */
    static Path blocked(Path root, Path pids, Path release) throws IOException {
        write(root, "spec/blocked_spec.rb", """
                RSpec.describe "Blocked" do
                  it "waits for its release" do
                    File.write("%1$s/blocked-#{Process.pid}", "")
                    deadline = Time.now + 170
                    sleep 0.05 until File.exist?("%2$s") || Time.now > deadline
                    expect(File.exist?("%2$s")).to be(true)
                  end
                end
                """.formatted(pids, release) + "# padding\n".repeat(200));
        return root;
    }
}
