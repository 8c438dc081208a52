# A spare rspec worker in a few milliseconds: run with --disable-gems, it only connects to the runner's zygote (a
# booted testbot_rspec_worker.rb, see its TESTBOT_WORKER_ZYGOTE mode) and hands it this process's standard input,
# output and error, pid and environment; the zygote forks a spare that takes them over and joins this process's
# group. This process then waits, holding nothing, and exits with the spare's status, so the runner sees the
# spare as this process. With no zygote to reach it becomes a spare the long way (the worker given as argument).
#
#   ruby --disable-gems testbot_spare_stub.rb WORKER        (TESTBOT_ZYGOTE=socket in the environment)
require "socket"

Process.setpgid(0, 0) # stopping this group stops the spare and whatever it starts
socket = ENV.delete("TESTBOT_ZYGOTE")
begin
  zygote = UNIXSocket.new(socket.to_s)
rescue SystemCallError, ArgumentError
  exec("ruby", ARGV.fetch(0))
end
[$stdin, $stdout, $stderr].each { |stream| zygote.send_io(stream) }
Marshal.dump([Process.pid, ENV.to_h], zygote)
$stdin.reopen(File::NULL)
$stdout.reopen(File::NULL, "w")
$stderr.reopen(File::NULL, "w")
status = zygote.gets
exit(status ? Integer(status) : 1)
