package io.testbot.adapters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Ruby framework (rspec, test, cucumber): its jobs run under `bundle exec` where the project has a bundle (the
 * build carries BUNDLE_GEMFILE, see {@link Bundling}), and its warm worker is its script served by the one Ruby
 * worker loop (testbot_worker.rb), with spares forked from a zygote.
 */
interface RubyFramework extends Adapter {
    /** The framework's part of the worker: its preload, boot and run_job (a resource of this package). */
    String workerScript();

    /** BUNDLE_GEMFILE for a project with a Gemfile. */
    @Override
    default Set<String> requesterVariables() {
        return Set.of(Bundling.GEMFILE_VARIABLE);
    }

    @Override
    default Map<String, String> requesterEnvironment(Path root) throws IOException {
        return Bundling.environment(root);
    }

    @Override
    default List<String> workerCommand(Path tools, List<String> options) throws IOException {
        return Resources.rubyWorkerCommand(workerScript(), tools);
    }

    @Override
    default List<String> spareStubCommand(Path tools) throws IOException {
        return Resources.rubySpareStubCommand(workerScript(), tools);
    }
}
