"""A custom autograd Function trained by gradient descent, in the style of
examples_autograd (written for these tests)."""
import torch


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * grad_output


x = torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0])
target = 2 * x ** 3 - x
a = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
cube = Cube.apply
for step in range(60):
    prediction = a * cube(x) + b * x
    loss = ((prediction - target) ** 2).sum()
    if step % 20 == 0:
        print(step, round(loss.item(), 6))
    loss.backward()
    with torch.no_grad():
        a -= 0.1 * a.grad
        b -= 0.1 * b.grad
        a.grad = None
        b.grad = None
print(f"a = {a.item():.4f}, b = {b.item():.4f}")
print(cube(x).grad_fn if x.requires_grad else Cube.apply(x.requires_grad_()).grad_fn.name())

(g,) = torch.autograd.grad(cube(torch.tensor(2.0, requires_grad=True)), x, allow_unused=True)
print(g)
t = torch.tensor(2.0, requires_grad=True)
(first,) = torch.autograd.grad(cube(t), t, create_graph=True)
print(first)
