"""A small convolutional network in the style of the 60-minute blitz: its repr, its
graph's node names, a few SGD steps and a custom Function with two outputs (written
for these tests)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 8, 3, stride=2, groups=2, bias=False)
        self.pool = nn.AvgPool2d(2, ceil_mode=True)
        self.squeeze = nn.AdaptiveAvgPool2d((2, 2))
        self.fc = nn.Linear(8 * 2 * 2, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc(torch.flatten(self.squeeze(x), 1))


net = Net()
print(net)
x = torch.randn(2, 1, 12, 12)
target = torch.randn(2, 3)
optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
for step in range(3):
    optimizer.zero_grad()
    loss = F.mse_loss(net(x), target)
    loss.backward()
    optimizer.step()
    print(step, round(loss.item(), 5))
print(loss.grad_fn.next_functions[0][0].next_functions[1][0])
node = net.conv1(x).grad_fn
print(node, [type(n).__name__ for n, _ in node.next_functions])
print(net.conv2.weight.grad.shape, net.conv1.bias.grad)
values, indices = F.max_pool2d(x, 3, 2, 1, return_indices=True)
print(values.shape, indices[0, 0])


class SplitHalves(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        return t[:2] * 2, t[2:] * 3

    @staticmethod
    def backward(ctx, first, second):
        return torch.cat([first * 2, second * 3])


t = torch.arange(4.0, requires_grad=True)
low, high = SplitHalves.apply(t)
print(low.grad_fn is high.grad_fn, high.output_nr, high.grad_fn)
high.sum().backward()
print(t.grad, t._version, type(t._version).__name__)
