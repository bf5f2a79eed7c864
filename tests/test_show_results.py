"`Learner.show_results` for each of the three models: one figure, one row per sample, input | target | reconstruction."
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import pytest
from mnist_autoencoders.learner import autoencoder_learner

@pytest.mark.parametrize('kind', ['ae', 'dae', 'vae'])
def test_one_figure_three_columns(kind, mnist):
    learn = autoencoder_learner(kind, n_train=512, data=mnist, device='cpu')
    plt.close('all')
    with learn.no_bar(): learn.show_results(max_n=3)
    fig = plt.gcf()
    assert len(plt.get_fignums()) == 1 and len(fig.axes) == 9
    assert [a.get_title() for a in fig.axes[:3]] == ['input', 'target', 'reconstruction']
    inputs, targets = [fig.axes[i].images[0].get_array() for i in (0, 1)]
    assert (inputs != targets).any() == (kind == 'dae')   # only the denoising autoencoder is given a corrupted input
    plt.close('all')
