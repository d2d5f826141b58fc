# Benchmark: a small richards-like class workload. A scheduler round-robins over tasks of three
# subclasses (single inheritance, overridden methods, super-class attributes), tasks pass packets
# to each other through queues held in lists. One iteration = one scheduler round over 6 tasks.
N = 1000


class Packet:
    def __init__(self, kind, datum):
        self.kind = kind
        self.datum = datum


class Task:
    weight = 1

    def __init__(self, ident, scheduler):
        self.ident = ident
        self.scheduler = scheduler
        self.queue = []
        self.done = 0

    def receive(self, packet):
        self.queue.append(packet)

    def step(self):
        if len(self.queue) == 0:
            return self.idle()
        packet = self.queue.pop(0)
        self.done += self.weight
        return self.handle(packet)

    def idle(self):
        return 0

    def handle(self, packet):
        return packet.datum


class WorkTask(Task):
    weight = 2

    def idle(self):
        self.scheduler.send((self.ident + 1) % 6, Packet(1, self.ident))
        return 1

    def handle(self, packet):
        self.scheduler.send((self.ident + 2) % 6, Packet(packet.kind + 1, packet.datum * 3 % 101))
        return packet.datum


class DeviceTask(Task):
    weight = 3

    def handle(self, packet):
        if packet.kind > 3:
            return packet.datum * 2
        self.scheduler.send((self.ident + 1) % 6, Packet(packet.kind + 1, packet.datum + 7))
        return packet.datum


class Scheduler:
    def __init__(self):
        self.tasks = []
        self.sent = 0

    def send(self, target, packet):
        self.sent += 1
        self.tasks[target].receive(packet)

    def round(self):
        total = 0
        for task in self.tasks:
            total += task.step()
        return total


def bench(n):
    s = Scheduler()
    for i in range(6):
        if i % 3 == 0:
            s.tasks.append(WorkTask(i, s))
        elif i % 3 == 1:
            s.tasks.append(DeviceTask(i, s))
        else:
            s.tasks.append(Task(i, s))
    total = 0
    for i in range(n):
        total = (total + s.round()) % 1000003
    done = 0
    for t in s.tasks:
        done += t.done
        t.scheduler = None
    return total * 1000 + done % 1000 + s.sent % 7
