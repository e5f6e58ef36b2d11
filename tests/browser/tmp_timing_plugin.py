import time, pytest
from playwright.sync_api import Page
_orig = {}
T0 = [time.time()]
def pytest_configure(config):
    import tests.browser.test_company_journey as m, tests.browser.steps as s
    for mod in (m, s):
        for name in dir(mod):
            f = getattr(mod, name)
            if callable(f) and getattr(f, "__module__", "") == mod.__name__ and not isinstance(f, type) and not name.startswith("test_"):
                def wrap(f=f, name=name):
                    def w(*a, **k):
                        t = time.time(); r = f(*a, **k); print(f"  {name}: {time.time()-t:.2f}s", flush=True); return r
                    return w
                setattr(mod, name, wrap())
