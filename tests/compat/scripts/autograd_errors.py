"""The mistakes every class makes, and what autograd says (written for these tests)."""
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
try:
    y.backward()
except RuntimeError as error:
    print("non-scalar:", error)

loss = (x * x).sum()
loss.backward()
try:
    loss.backward()
except RuntimeError as error:
    print("twice:", error)

try:
    x.add_(1)
except RuntimeError as error:
    print("leaf in place:", error)

z = x.exp()
out = z.sum()
z.add_(1)
try:
    out.backward()
except RuntimeError as error:
    print("modified:", error)
