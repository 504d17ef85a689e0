"""``%%autograd``: run a cell as usual, and show every backward pass it made.

The cell goes through IPython's own pipeline (its magics are transformed, its last
expression is the cell's result, an exception propagates with its traceback); around it,
``micrograd_nb.autograd.record()`` listens to the engine, and to PyTorch's where the
notebook imported torch. Each recorded pass is then
drawn below the cell: still, or as a stepper with ``--step``.
"""

import ast
import functools

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import Markdown, display

from ..autograd.record import record
from ..autograd.tensor import Tensor
from ..autograd.value import Value
from ..viz import draw, torch_names
from ..viz.torch_adapter import is_torch_tensor

PASSES_VARIABLE = "_autograd_passes"


@magics_class
class AutogradMagics(Magics):
    @magic_arguments()
    @argument("--step", action="store_true",
              help="step through each pass node by node (a widget) instead of a still graph")
    @argument("--predict", action="store_true",
              help="practice: step through each pass predicting every gradient before it "
                   "is shown (hints on a wrong answer, a summary at the end)")
    @argument("--no-values", action="store_true", help="draw the graph without data and grads")
    @argument("--max-nodes", type=int, default=200, metavar="N",
              help="collapse graphs bigger than N nodes (default 200)")
    @argument("--format", choices=("svg", "dot"), default="svg",
              help="show pictures (svg, the default) or their Graphviz DOT source")
    @argument("--forward", action="store_true",
              help="draw the graph of the cell's result (its last expression), without a pass")
    @argument("--saved", action="store_true",
              help="show what each PyTorch node saved for its backward (_saved_* attributes)")
    @argument("--quiet", action="store_true",
              help=f"show nothing; the recorded passes are kept in {PASSES_VARIABLE}")
    @cell_magic
    def autograd(self, line, cell):
        """Run the cell and draw every backward pass and autograd.grad call it made."""
        __tracebackhide__ = True  # the traceback starts at the cell's own line
        args = _parsed(line)
        if args.max_nodes < 1:
            from IPython.core.error import UsageError

            raise UsageError("--max-nodes must be at least 1")
        result = None
        try:
            # practice mode quotes what the nodes saved in its hints
            with record(saved=args.saved or args.predict) as passes:
                result = self._run(cell)
        finally:
            self.shell.user_ns[PASSES_VARIABLE] = list(passes)
            if not args.quiet:
                self._show(args, passes, result)
        return result

    @line_magic
    def autograd_cards(self, line):
        """%autograd_cards full|hints|off: what the error explainer's cards show. ``hints``
        keeps what happened and why and hides the fixes (graded exercises, where the fix
        is the answer)."""
        from IPython.core.error import UsageError

        from . import explainer

        mode = line.strip() or "full"
        if mode not in explainer.MODES:
            raise UsageError(f"%autograd_cards takes one of {', '.join(explainer.MODES)}")
        explainer.set_mode(self.shell, mode)

    def _run(self, cell):
        """Execute the cell in the user namespace; return its last expression's value."""
        __tracebackhide__ = True
        shell = self.shell
        source = _transformed(shell, cell)
        filename = shell.compile.cache(source, shell.execution_count, raw_code=cell)
        tree = shell.transform_ast(shell.compile.ast_parse(source, filename=filename))
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(shell.compile(tree, filename, "exec"), shell.user_ns)
        if last is not None:
            return eval(shell.compile(last, filename, "eval"), shell.user_ns)
        return None

    def _names(self):
        """The notebook's names for its tensors and values, to label the nodes: by the
        object, and for a tensor with a history also by its grad_fn (how the picture
        finds intermediates)."""
        names = {}
        for name in sorted(self.shell.user_ns):
            value = self.shell.user_ns[name]
            if not name.startswith("_") and isinstance(value, (Tensor, Value)):
                names.setdefault(id(value), name)
                if isinstance(value, Tensor) and value.grad_fn is not None:
                    names.setdefault(id(value.grad_fn), name)
        for key, name in torch_names(self.shell.user_ns).items():
            names.setdefault(key, name)
        return names

    def _show(self, args, passes, result):
        names = self._names()
        options = dict(names=names, show_values=not args.no_values, max_nodes=args.max_nodes,
                       saved=args.saved)
        if args.forward:
            targets = _drawable(result)
            if not targets:
                display(Markdown("`%%autograd --forward`: end the cell with the Value or "
                                 "Tensor (ours or PyTorch's) to draw (its last expression)."))
                return
            pictures = [(draw(targets, **options), None)]
        else:
            pictures = [(draw(p, **options), p) for p in passes]
            if not passes:
                display(Markdown("`%%autograd`: this cell ran no backward pass."))
        for picture, recorded in pictures:
            if args.format == "dot":
                source = picture.dot()
                display({"text/plain": source, "text/markdown": f"```dot\n{source}```"},
                        raw=True)
            elif (args.step or args.predict) and not args.forward:
                from .stepper import PassStepper

                display(PassStepper(picture, predict=recorded if args.predict else False))
            else:
                display(picture)


@functools.lru_cache(maxsize=64)
def _parsed(line):
    """The magic's options, parsed once per line: argparse took about 50 us, a twentieth
    of the torch step it wraps. The namespace is shared, so it is only read."""
    return parse_argstring(AutogradMagics.autograd, line)


_TRANSFORMED = {}  # (cell, its transformers) -> the cell IPython's transforms made of it
_MAX_TRANSFORMED = 256


def _transformed(shell, cell):
    """``shell.transform_cell(cell)``, remembered for a cell run again: IPython tokenizes
    the cell to transform it, about 0.2 ms for four lines, as long as the torch training
    step it wraps. Its static transforms are functions of the text and the transformers
    (in the key, so registering one starts afresh); a cell they leave on one line also
    goes through IPython's prefilter, which depends on the session (autocall), so it is
    transformed every time."""
    manager = shell.input_transformer_manager
    key = (cell, tuple(manager.cleanup_transforms), tuple(manager.line_transforms),
           tuple(manager.token_transformers), tuple(shell.input_transformers_post))
    source = _TRANSFORMED.get(key)
    if source is None:
        source = shell.transform_cell(cell)
        if len(manager.transform_cell(cell).splitlines()) > 1:
            if len(_TRANSFORMED) >= _MAX_TRANSFORMED:
                _TRANSFORMED.clear()
            _TRANSFORMED[key] = source
    return source


def _drawable(result):
    items = result if isinstance(result, (list, tuple)) else [result]
    ours = [r for r in items if isinstance(r, (Tensor, Value))
            and (isinstance(r, Value) or r.requires_grad)]
    torch_tensors = [r for r in items if is_torch_tensor(r) and r.requires_grad]
    return ours or torch_tensors
