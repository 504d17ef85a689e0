"""Tensors and their gradients, in the style of the 60-minute blitz (written for these
tests)."""
import torch

x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
print(x)
y = x * 3 + 1
print(y)
print(y.grad_fn)
z = (y * y).mean()
print(z)
z.backward()
print(x.grad)

w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
v = (w ** 2).exp().sum()
v.backward()
print(f"v = {v.item():.6f}, grad = {w.grad}")

with torch.no_grad():
    print((w * 2).requires_grad)
print(w.detach().requires_grad, w.is_leaf, y.is_leaf)

h = x.sum(dim=0)
h.retain_grad()
(h ** 2).sum().backward()
print(h.grad)
print(x.grad)
