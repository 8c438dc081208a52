# A job's files shared with another instance of the runner, which may take over the ones the job has not begun: a
# file is run by whichever process claims it first in the job's claims directory, by creating a file there named by
# its place in the job's list (only one process can create it). testbot_rspec_worker.rb claims a spec file before its
# first example group runs, testbot_test_reporter.rb a test file before a test class defined in it runs.
module TestbotClaims
  class Job
    def initialize(dir, files)
      @dir = dir
      @index = files.each_with_index.to_h { |file, index| [File.expand_path(file), index] }
      @claimed = {}
    end

    # Whether what is defined in these files (the first that is one of the job's decides) is this process's to run:
    # yes when none is the job's; for a file of the job's, once this process has claimed it.
    def claim(*paths)
      index = paths.flatten.filter_map { |path| @index[File.expand_path(path.to_s)] }.first
      return true if index.nil?
      return @claimed[index] if @claimed.key?(index)

      @claimed[index] =
        begin
          File.open(File.join(@dir, index.to_s), File::WRONLY | File::CREAT | File::EXCL) { |file| file.write("#{Process.pid}\n") }
          true
        rescue Errno::EEXIST
          false
        end
    end
  end
end
